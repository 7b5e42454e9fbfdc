import { readFile, writeFile } from 'node:fs/promises'
import { cpus, hostname, totalmem } from 'node:os'
import type { ScenarioAudit } from './delivery-audit.js'

/** The results table: printed, and written between markers in docs/RELIABILITY.md (the prose around it is kept). */

const HEADERS = [
  'scenario',
  'runs',
  'recipients',
  'delivered once',
  'duplicates',
  'same-Message-ID redeliveries',
  'lost',
  'permanently failed (reasons)',
  'webhook: once / lost / duplicates / same-key (faults)',
]

export function resultRows(audits: ScenarioAudit[]): string[][] {
  return audits.map((a) => {
    const reasons = [...a.failureReasons].map(([reason, n]) => `${n}× ${reason}`).join('; ')
    const failed = a.permanentlyFailed + a.suppressed
    return [
      a.scenario,
      String(a.runs) + (a.ticksNotRun ? ` (+${a.ticksNotRun} ticks not run)` : ''),
      String(a.recipients),
      String(a.deliveredOnce),
      String(a.duplicates),
      String(a.sameMessageIdRedeliveries),
      String(a.lost),
      failed ? `${failed} (${reasons})` : '0',
      webhookCell(a),
    ]
  })
}

function webhookCell(a: ScenarioAudit): string {
  const w = a.webhook
  if (w.expected === 0) return '-'
  const f = w.faults
  const failed = w.permanentlyFailed ? `, ${w.permanentlyFailed} permanently failed` : ''
  const bad = w.badSignatures ? `, ${w.badSignatures} bad signatures` : ''
  return `${w.deliveredOnce}/${w.expected} / ${w.lost} / ${w.duplicates} / ${w.sameKeyRedeliveries}${failed}${bad} (${f.status500}× 500, ${f.status429}× 429, ${f.dropped}× dropped)`
}

export function textTable(rows: string[][]): string {
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i]!.length, 60))))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  return [line(HEADERS), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

export function markdownTable(rows: string[][]): string {
  const escapePipes = (s: string) => s.replace(/\|/g, '\\|')
  return [
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(escapePipes).join(' | ')} |`),
  ].join('\n')
}

const START = '<!-- chaos:results -->'
const END = '<!-- /chaos:results -->'

export async function writeReliabilityDoc(
  path: string,
  run: { seed: number; mode: string; durationS: number; audits: ScenarioAudit[]; command: string },
): Promise<void> {
  const machine = `${hostname()}: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`
  const details = run.audits
    .filter((a) => a.notes.length + a.evidence.length > 0)
    .map((a) => {
      const lines = [...a.notes, ...a.evidence.slice(0, 15)]
      const more = a.evidence.length > 15 ? [`… ${a.evidence.length - 15} more`] : []
      return `**${a.scenario}**\n\n${[...lines, ...more].map((l) => `- ${l.replace(/\n/g, ' ')}`).join('\n')}`
    })
    .join('\n\n')
  const section = [
    START,
    `Last run: ${new Date().toISOString()} — \`${run.command}\` (mode ${run.mode}, seed ${run.seed}, ${run.durationS} s) on ${machine}.`,
    '',
    markdownTable(resultRows(run.audits)),
    '',
    details,
    END,
  ].join('\n')
  let doc = await readFile(path, 'utf8').catch(() => '')
  const from = doc.indexOf(START)
  const to = doc.indexOf(END)
  if (from >= 0 && to > from) doc = doc.slice(0, from) + section + doc.slice(to + END.length)
  else doc = `${doc.trimEnd()}\n\n## Last results\n\n${section}\n`
  await writeFile(path, doc)
}
