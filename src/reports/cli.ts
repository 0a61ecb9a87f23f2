import { parseArgs } from 'node:util';
import { runCli } from '../app/cli';
import { loadConfig, loadDotEnv } from '../config';
import { localDate, shiftMonth } from '../domain/calendar';
import { openDatabase } from '../store/db';
import { migrate } from '../store/migrate';
import { audit } from '../store/repositories';
import { figuresTable, monthlyCsv, monthlyFigures, monthsBetween } from './monthly';

const USAGE = `Usage: npm run report -- --from YYYY-MM [--to YYYY-MM] [--csv]

Prints the monthly missing-panel figures (children missing, offered an RHI, with an RHI done;
episodes; the rates; RHIs done within the due time; episodes with no RHI answer within the chase
window) for each month from --from to --to (default: last month), from the database named by
DATABASE_URL (or the embedded one in DATA_DIR). Months are calendar months in TIMEZONE; children
placed here by other authorities are left out. --csv prints CSV instead of the table.`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { from: { type: 'string' }, to: { type: 'string' }, csv: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !values.from) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  loadDotEnv();
  const config = loadConfig();
  const now = new Date();
  // Last month in the council's calendar: at 00:30 BST on the 1st it is already the new month there.
  const lastMonth = shiftMonth(localDate(now, config.TIMEZONE).slice(0, 7), -1);
  const to = values.to ?? lastMonth;
  const months = monthsBetween(values.from, to);
  if (typeof months === 'string') {
    console.error(months);
    return 2;
  }
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    await migrate(db);
    const settings = { timeZone: config.TIMEZONE, localAuthority: config.LOCAL_AUTHORITY, rhiDueHours: config.RHI_DUE_HOURS, rhiChaseDays: config.RHI_CHASE_DAYS };
    const rows = await monthlyFigures(db, values.from, to, settings, now);
    await audit(db, { actor: 'cli:report', actorKind: 'system', action: 'report.disclosed', details: { report: 'monthly', from: values.from, to, format: values.csv ? 'csv' : 'table' } });
    if (values.csv) process.stdout.write(monthlyCsv(rows));
    else console.log(`Missing children, ${values.from} to ${to} (${config.TIMEZONE}; children placed here by other authorities left out)\n\n${figuresTable(rows)}`);
    return 0;
  } finally {
    await db.close();
  }
}

if (require.main === module) runCli(main, 'The report failed');
