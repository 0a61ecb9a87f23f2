import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { packageEnvSchema, renderManifest, validateManifest, MANIFEST_DIR } from './appManifest';
import { VERSION } from '../src/version';

/** npm run package: writes dist/missing-huddle-<version>.zip with ids from the environment. */
async function main() {
  const env = packageEnvSchema.safeParse(process.env);
  if (!env.success) {
    console.error('Cannot package the Teams app:');
    for (const issue of env.error.issues) console.error(`  ${issue.path.join('.')}: ${issue.message}`);
    process.exit(2);
  }
  const manifest = renderManifest(env.data, VERSION);
  const problems = await validateManifest(manifest);
  if (problems.length > 0) {
    console.error(`The manifest does not match schema v${manifest.manifestVersion}:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
  zip.addLocalFile(join(MANIFEST_DIR, 'color.png'));
  zip.addLocalFile(join(MANIFEST_DIR, 'outline.png'));
  mkdirSync('dist', { recursive: true });
  const out = join('dist', `missing-huddle-${VERSION}.zip`);
  zip.writeZip(out);
  console.log(`Wrote ${out}: upload it in Teams (Apps > Manage your apps > Upload an app).`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
