import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestUtil, type TeamsAppManifest } from '@microsoft/app-manifest';
import { z } from 'zod';

/** Builds the Teams app manifest from its template and validates it offline against the bundled schema. */

export const MANIFEST_DIR = join(__dirname, '..', 'manifest');
export const MANIFEST_SCHEMA_VERSION = '1.22';

export const packageEnvSchema = z.object({
  MicrosoftAppId: z.uuid('must be the bot registration\'s app id (a GUID)'),
  TEAMS_APP_ID: z.uuid('must be a GUID').optional(),
  BOT_DOMAIN: z.string().regex(/^[a-z0-9.-]+$/i, 'must be a host name, e.g. huddle.example.gov.uk'),
  WEBSITE_URL: z.url({ protocol: /^https$/, message: 'must be an https:// address' }),
  LOCAL_AUTHORITY: z.string().min(1).max(32).default('Demo Borough Council'),
});

export type PackageEnv = z.infer<typeof packageEnvSchema>;

export function renderManifest(env: PackageEnv, version: string): TeamsAppManifest {
  const values: Record<string, string> = {
    VERSION: version,
    TEAMS_APP_ID: env.TEAMS_APP_ID ?? env.MicrosoftAppId,
    MICROSOFT_APP_ID: env.MicrosoftAppId,
    BOT_DOMAIN: env.BOT_DOMAIN,
    WEBSITE_URL: env.WEBSITE_URL.replace(/\/$/, ''),
    LOCAL_AUTHORITY: env.LOCAL_AUTHORITY,
  };
  const template = readFileSync(join(MANIFEST_DIR, 'manifest.template.json'), 'utf8');
  const text = template.replace(/\{\{(\w+)\}\}/g, (token, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`manifest.template.json uses ${token}, which has no value`);
    return JSON.stringify(value).slice(1, -1);
  });
  return JSON.parse(text) as TeamsAppManifest;
}

export function manifestSchema(version = MANIFEST_SCHEMA_VERSION) {
  const path = require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Problems with the manifest against the schema, one line each; empty when valid. */
export async function validateManifest(manifest: TeamsAppManifest): Promise<string[]> {
  return ManifestUtil.validateManifestAgainstSchema(manifest, manifestSchema());
}
