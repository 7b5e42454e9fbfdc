/** `--name value` flags for the benchmark scripts; a missing flag takes its default. */
export function numberFlag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  if (index === -1) return fallback
  const value = Number(process.argv[index + 1])
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a non-negative number`)
  return value
}
