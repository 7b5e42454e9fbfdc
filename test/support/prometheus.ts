import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format'

/**
 * A scrape parsed with a Prometheus text-format parser (parse-prometheus-text-format), so a malformed one fails.
 * That parser folds all series of a histogram into one and drops their labels (it only keeps unlabeled histograms
 * apart), so the text is parsed a second time with histograms declared untyped: each `_count` series then stands on
 * its own, labels included (and the runs of one name, written apart, are merged).
 */
export class Scrape {
  /** Metric families as exposed: names, types, help. */
  readonly families: Map<string, PrometheusFamily>
  private readonly series: Map<string, PrometheusFamily>

  constructor(text: string) {
    this.families = byName(parsePrometheusTextFormat(text))
    this.series = byName(
      parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped')),
    )
  }

  /** The sum of a counter's or gauge's series whose labels include `labels`; 0 when there are none yet. */
  value(name: string, labels: Record<string, string> = {}): number {
    return (this.series.get(name)?.metrics ?? [])
      .filter((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))
      .reduce((sum, s) => sum + Number(s.value), 0)
  }

  /** How many observations a histogram's matching series hold. */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.value(`${name}_count`, labels)
  }
}

/** Series of one name may come in several runs (prom-client writes each histogram series whole): merged. */
function byName(families: PrometheusFamily[]): Map<string, PrometheusFamily> {
  const merged = new Map<string, PrometheusFamily>()
  for (const f of families) {
    const known = merged.get(f.name)
    if (known) known.metrics.push(...f.metrics)
    else merged.set(f.name, { ...f, metrics: [...f.metrics] })
  }
  return merged
}
