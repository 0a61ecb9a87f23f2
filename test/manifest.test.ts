import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_DIR, packageEnvSchema, renderManifest, validateManifest } from '../scripts/appManifest';
import { COMMANDS } from '../src/conversation/commands';

const ENV = packageEnvSchema.parse({
  MicrosoftAppId: '11111111-2222-4333-8444-555555555555',
  BOT_DOMAIN: 'huddle.example.org',
  WEBSITE_URL: 'https://huddle.example.org',
});

function pngSize(file: string): [number, number] {
  const bytes = readFileSync(join(MANIFEST_DIR, file));
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('the Teams app manifest', () => {
  it('validates offline against the schema @microsoft/app-manifest ships (v1.22)', async () => {
    const manifest = renderManifest(ENV, '1.2.3');
    assert.equal(manifest.manifestVersion, '1.22');
    assert.deepEqual(await validateManifest(manifest), []);
  });

  it('names the bot in personal and team scopes with the ids from the environment', () => {
    const manifest = renderManifest({ ...ENV, TEAMS_APP_ID: '99999999-2222-4333-8444-555555555555' }, '1.2.3');
    assert.equal(manifest.id, '99999999-2222-4333-8444-555555555555');
    assert.equal(manifest.bots?.[0]?.botId, ENV.MicrosoftAppId);
    assert.deepEqual(manifest.bots?.[0]?.scopes, ['personal', 'team']);
    assert.deepEqual(manifest.validDomains, ['huddle.example.org']);
  });

  it('lists the menu commands the bot answers, at most the ten Teams allows', () => {
    const listed = renderManifest(ENV, '1.0.0').bots?.[0]?.commandLists?.[0]?.commands.map((command) => command.title);
    assert.deepEqual(listed, COMMANDS.filter((command) => command.menu).map((command) => command.name));
    assert.ok(listed!.length <= 10);
  });

  it('asks for resource-specific consent to read its channels’ messages (to confirm a post after a crash)', async () => {
    const manifest = renderManifest(ENV, '1.0.0') as unknown as { authorization: { permissions: { resourceSpecific: { name: string; type: string }[] } }; webApplicationInfo: { id: string } };
    assert.deepEqual(manifest.authorization.permissions.resourceSpecific, [{ name: 'ChannelMessage.Read.Group', type: 'Application' }]);
    assert.equal(manifest.webApplicationInfo.id, ENV.MicrosoftAppId);
    assert.deepEqual(await validateManifest(renderManifest(ENV, '1.0.0')), []);
  });

  it('is caught by the validator when it breaks the schema', async () => {
    const broken = { ...renderManifest(ENV, '1.0.0'), accentColor: 'red' };
    assert.notDeepEqual(await validateManifest(broken), []);
  });

  it('has a 192×192 colour icon and a 32×32 outline icon', () => {
    assert.deepEqual(pngSize('color.png'), [192, 192]);
    assert.deepEqual(pngSize('outline.png'), [32, 32]);
  });

  it('refuses to package without the ids it needs', () => {
    const result = packageEnvSchema.safeParse({ MicrosoftAppId: 'not-a-guid', BOT_DOMAIN: 'x', WEBSITE_URL: 'http://plain' });
    assert.equal(result.success, false);
    assert.deepEqual(result.error!.issues.map((issue) => issue.path[0]).sort(), ['MicrosoftAppId', 'WEBSITE_URL']);
  });
});
