import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/playground';

/**
 * `npm start`'s up-to-date check (scripts/build-if-needed.cjs), in a copy of the checkout sharing its
 * node_modules: it builds and bundles once, not again while nothing changed, and again when the
 * installed libraries change (the bundle holds their code, issue 13 part 3).
 */
describe('the build npm start runs first', function () {
  this.timeout(120_000);
  let tree: string;

  before(() => {
    tree = mkdtempSync(join(tmpdir(), 'huddle-build-'));
    for (const part of ['src', 'scripts', 'cards', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, part), join(tree, part), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
  });
  after(() => rmSync(tree, { recursive: true, force: true }));

  const build = () => spawnSync(process.execPath, [join(tree, 'scripts', 'build-if-needed.cjs')], { cwd: tree, encoding: 'utf8' });

  it('bundles the service once, leaves it while nothing changed, and bundles again after the libraries change', () => {
    const first = build();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /Building dist\//);
    const bundle = join(tree, 'dist', 'service.js');
    assert.ok(existsSync(bundle) && existsSync(join(tree, 'dist', 'store', 'migrations')), 'the bundle and the migrations beside the built store');
    const built = statSync(bundle).mtimeMs;

    const again = build();
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /Building/, 'nothing changed: nothing built');
    assert.equal(statSync(bundle).mtimeMs, built);

    // npm install or npm ci writes package-lock.json: the libraries bundled may have changed.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(tree, 'package-lock.json'), later, later);
    const afterInstall = build();
    assert.equal(afterInstall.status, 0, afterInstall.stderr);
    assert.match(afterInstall.stderr, /Building dist\//, 'the libraries changed: built and bundled again');
    assert.ok(statSync(bundle).mtimeMs > built);
  });
});
