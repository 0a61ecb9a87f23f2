import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../support/playground';

/**
 * What loading the service costs at every start (issue 13, part 3): libraries it needs only later,
 * or only a part of, are not loaded with its code. Checked in a process of its own (this one has
 * loaded them already), by the files node has loaded.
 */
describe('the modules a start loads', function () {
  this.timeout(60_000);

  it('loads the card templating library at the first card drawn, not with the service; nor the iCalendar library, date-fns\' index, node-postgres or the Graph client', () => {
    const script = `
      require('./src/main');
      const loaded = (part) => Object.keys(require.cache).some((file) => file.includes(part));
      const atStart = { templating: loaded('/node_modules/adaptivecards-templating/'), expressions: loaded('/node_modules/adaptive-expressions/'), dateFnsIndex: loaded('/node_modules/date-fns/index.'), ics: loaded('/node_modules/ics/'), nodePostgres: loaded('/node_modules/pg-pool/') || loaded('/node_modules/pg/lib/client.js'), copyStreams: loaded('/node_modules/pg-copy-streams/'), graph: loaded('/node_modules/@microsoft/microsoft-graph-client/') };
      const card = require('./src/cards/render').renderHelpCard([{ usage: 'help', description: 'What I can do.' }], 'personal');
      const invite = require('./src/meetings/booking').inviteFile({ id: 'aaaaaaaa-0000-4000-8000-0000000000e1', kind: 'strategy', startsAt: new Date('2026-06-09T09:00:00Z'), endsAt: new Date('2026-06-09T10:00:00Z'), attendees: ['chair@example.test'] }, 'SYN-ICS-1');
      const graph = require('./src/graph/client').createGraphClient({ baseUrl: 'http://127.0.0.1:9/graph', credential: { getToken: async () => null } });
      const afterGraph = loaded('/node_modules/@microsoft/microsoft-graph-client/') && typeof graph.api === 'function';
      console.log(JSON.stringify({ atStart, afterGraph, afterCard: loaded('/node_modules/adaptivecards-templating/'), type: card.type, afterInvite: loaded('/node_modules/ics/'), invite }));`;
    const result = spawnSync(process.execPath, ['--no-deprecation', '--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const seen = JSON.parse(result.stdout.trim().split('\n').pop()!);
    assert.deepEqual(seen.atStart, { templating: false, expressions: false, dateFnsIndex: false, ics: false, nodePostgres: false, copyStreams: false, graph: false }, 'none of them loaded with the service');
    assert.equal(seen.afterGraph, true, 'the Graph client loaded when one is made');
    assert.equal(seen.afterCard, true, 'loaded to draw the first card');
    assert.equal(seen.type, 'AdaptiveCard', 'and the card drawn');
    assert.equal(seen.afterInvite, true, 'the iCalendar library loaded to make the first invitation file');
    assert.match(seen.invite, /^BEGIN:VCALENDAR/);
    assert.match(seen.invite, /DTSTART:20260609T090000Z/);
    assert.match(seen.invite, /SYN-ICS-1/);
  });
  it("loads restify's server and botbuilder's adapter from their own files, not the packages' indexes, and they are the very parts the indexes export", () => {
    // The indexes also load every restify plugin and restify's own pino, botbuilder's skills,
    // streaming, SharePoint and transcript store: about 100 ms of each start, for nothing.
    const script = `
      require('./src/main');
      const loaded = (part) => Object.keys(require.cache).some((file) => file.includes(part));
      const atStart = { restifyIndex: loaded('/node_modules/restify/lib/index.js'), restifyPlugins: loaded('/node_modules/restify/lib/plugins/index.js'), restifyPino: loaded('/node_modules/restify/node_modules/pino/'), botbuilderIndex: loaded('/node_modules/botbuilder/lib/index.js'), skills: loaded('/node_modules/botbuilder/lib/skills/'), adapter: loaded('/node_modules/botbuilder/lib/cloudAdapter.js'), restifyServer: loaded('/node_modules/restify/lib/server.js') };
      const restify = require('restify');
      const botbuilder = require('botbuilder');
      const core = require('botbuilder-core');
      const indexServer = restify.createServer();
      const same = {
        server: indexServer instanceof require('restify/lib/server'),
        router: indexServer.router instanceof require('restify/lib/router'),
        queryParser: restify.plugins.queryParser === require('restify/lib/plugins/query'),
        cloudAdapter: botbuilder.CloudAdapter === require('botbuilder/lib/cloudAdapter').CloudAdapter,
        teamsActivityHandler: botbuilder.TeamsActivityHandler === require('botbuilder/lib/teamsActivityHandler').TeamsActivityHandler,
        teamsInfo: botbuilder.TeamsInfo === require('botbuilder/lib/teamsInfo').TeamsInfo,
        core: ['ActivityTypes', 'CardFactory', 'MessageFactory', 'TurnContext', 'ConfigurationBotFrameworkAuthentication'].every((name) => core[name] !== undefined && botbuilder[name] === core[name]),
      };
      console.log(JSON.stringify({ atStart, same }));`;
    const result = spawnSync(process.execPath, ['--no-deprecation', '--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const seen = JSON.parse(result.stdout.trim().split('\n').pop()!);
    assert.deepEqual(seen.atStart, { restifyIndex: false, restifyPlugins: false, restifyPino: false, botbuilderIndex: false, skills: false, adapter: true, restifyServer: true }, 'the parts loaded, the indexes not');
    assert.deepEqual(seen.same, { server: true, router: true, queryParser: true, cloudAdapter: true, teamsActivityHandler: true, teamsInfo: true, core: true }, "each part is the one the package's index exports (one copy of botbuilder-core)");
  });
});
