/**
 * Weekly report throughput (issue 7): the latest week's report for each of N athletes (default
 * 1,000), in three stages timed separately, in one process, one athlete after another:
 *
 * 1. model — `generateWeeklyReport` (brings the week's analysis up to date, reads the inputs, builds
 *    and stores the report) and the stored document read back, as the delivery job reads it;
 * 2. HTML — `renderReportHtml` (the web page with its four charts as inline SVG);
 * 3. email — `reportMail` without sending (plain text, the HTML with `cid:` images and the
 *    four charts rendered to PNG with resvg).
 *
 * The athletes are seeded as in the analysis benchmark (bench/analysis.ts: 4 generated athletes, the
 * others copied in SQL), with 12 weeks of training inside their 16-week plan, and every one of those
 * weeks analysed first (two processes), so each report has a full 8-week load trend.
 * `BENCH_DB=name` keeps the database for the next run, as for the analysis benchmark.
 */
import os from 'node:os';
import { getReport } from '../src/db/repositories/reports.ts';
import { fontsAvailable } from '../src/email/png.ts';
import { CHART_FONT } from '../src/report/charts.ts';
import { renderReportHtml } from '../src/report/html.ts';
import type { ReportModel } from '../src/report/model.ts';
import { reportMail } from '../src/services/report-delivery.ts';
import { generateWeeklyReport } from '../src/services/reports.ts';
import { createLogger } from '../src/log.ts';
import { addWeeks, isoWeekOf } from '../src/domain/iso-week.ts';
import { ensurePostgres } from '../test/support/services.ts';
import { analyseAll, benchDatabase } from './analysis.ts';

/** Twelve weeks of training, 2026-W37 … 2026-W48: weeks 1–12 of the seeded plan (race 2026-12-27). */
const TRAINING = { from: '2026-09-07', weeks: 12 };
/** Tuesday after the last trained week: the report's week is over. */
const NOW = new Date('2026-12-01T06:00:00Z');

const elapsedS = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;
/** CPU seconds (user + system) of this process since `from`. */
const cpuS = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};

export async function benchReports(athletes = Number(process.env.BENCH_ATHLETES ?? 1000)): Promise<void> {
  const pg = await ensurePostgres();
  const { db, url, ids, seedS, close } = await benchDatabase(pg.url, athletes, { name: 'reports', training: TRAINING });
  try {
    await db.deleteFrom('weekly_reports').execute();
    const weeks = Array.from({ length: TRAINING.weeks }, (_, i) => addWeeks(isoWeekOf(TRAINING.from), i));
    const week = weeks.at(-1)!;
    const analysis = await analyseAll(url, ids, weeks, NOW);
    const load = (): string => os.loadavg().map((x) => x.toFixed(1)).join(' ');
    const loadBefore = load();

    const deps = { db, log: createLogger('warn'), now: () => NOW };
    const stage = { model: 0, html: 0, email: 0 };
    const cpu = { model: 0, html: 0, email: 0 };
    let htmlBytes = 0;
    let pngBytes = 0;
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const wall = process.hrtime.bigint();
    try {
      for (const [i, id] of ids.entries()) {
        let t = process.hrtime.bigint();
        let c = process.cpuUsage();
        const { reportId } = await generateWeeklyReport(deps, id, week);
        const stored = await getReport(db, id, week);
        if (stored?.id !== reportId) throw new Error(`the report of athlete ${id}, ${week}, was not stored`);
        const model: ReportModel = stored.document;
        stage.model += elapsedS(t);
        cpu.model += cpuS(c);

        t = process.hrtime.bigint();
        c = process.cpuUsage();
        htmlBytes += renderReportHtml(model, { generatedAt: stored.generatedAt }).length;
        stage.html += elapsedS(t);
        cpu.html += cpuS(c);

        t = process.hrtime.bigint();
        c = process.cpuUsage();
        const mail = reportMail(model, {
          to: `athlete-${i}@example.invalid`,
          publicUrl: 'https://kinetic.example',
          unsubscribeToken: 'bench-unsubscribe-token',
          generatedAt: stored.generatedAt,
          messageId: `<report-bench-${i}@kinetic.example>`,
        });
        stage.email += elapsedS(t);
        cpu.email += cpuS(c);
        pngBytes += mail.attachments.reduce((n, a) => n + a.content.length, 0);
        if ((i + 1) % 100 === 0) console.error(`reports: ${i + 1}/${ids.length}`);
      }
    } finally {
      clearInterval(timer);
    }
    const wallS = elapsedS(wall);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const total = stage.model + stage.html + stage.email;
    const totalCpu = cpu.model + cpu.html + cpu.email;

    const n = ids.length;
    const ms = (s: number): string => `${((s / n) * 1000).toFixed(0)} ms`;
    const row = (what: string, s: number, c: number): string => `| ${what} | ${n} in ${s.toFixed(1)} s = **${(n / s).toFixed(1)} /s** | ${ms(s)} | ${ms(c)} |`;
    console.log(`\n### Weekly reports (${n} athletes, week ${week}: ${TRAINING.weeks} weeks of training, each report with an 8-week trend)\n`);
    console.log(`Load average (1, 5, 15 min) before / after the report loop: ${loadBefore} / ${load()}. Fonts for PNG text: ${fontsAvailable(CHART_FONT) ? 'found' : 'MISSING (PNG charts without text)'}.\n`);
    console.log('| measure | value |\n| --- | --- |');
    if (seedS !== null) console.log(`| seeding (4 athletes inserted, the others copied in SQL) | ${seedS.toFixed(0)} s |`);
    console.log(`| analysis of the ${TRAINING.weeks} weeks first (${n * TRAINING.weeks} athlete-weeks, 2 processes) | ${analysis.seconds.toFixed(0)} s |`);
    console.log('\n| stage (one process, one athlete after another) | reports/s | wall per report | CPU per report (this process) |\n| --- | --- | --- | --- |');
    console.log(row('model: generateWeeklyReport (week re-analysed, inputs read, built, stored) + read back', stage.model, cpu.model));
    console.log(row(`HTML page: renderReportHtml, 4 SVG charts (${(htmlBytes / n / 1024).toFixed(0)} KiB each)`, stage.html, cpu.html));
    console.log(row(`email: reportMail, text + HTML + 4 PNG charts (${(pngBytes / n / 1024).toFixed(0)} KiB of PNG each)`, stage.email, cpu.email));
    console.log(row('total: model + HTML + email', total, totalCpu));
    console.log(`| wall clock of the loop | ${wallS.toFixed(1)} s = ${(n / wallS).toFixed(1)} /s | | |`);
    console.log(`\nPeak RSS of the reporting process: ${(peakRss / 2 ** 20).toFixed(0)} MiB (${(rssBefore / 2 ** 20).toFixed(0)} MiB before the loop); of one analysing process: ${(analysis.peakRss / 2 ** 20).toFixed(0)} MiB.`);
  } finally {
    await close();
    await pg.stop();
  }
}
