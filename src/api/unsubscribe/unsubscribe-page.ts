/** The two small pages a recipient sees. No scripts, no external resources. */

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  )

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
button{font-size:1rem;padding:.5rem 1rem}</style></head>
<body>${body}</body></html>`

const what = (reportName: string | undefined) =>
  reportName ? `the report “${escapeHtml(reportName)}”` : 'this report'

export function confirmPageHtml(opts: {
  email: string
  reportName: string | undefined
  action: string
}): string {
  return layout(
    'Unsubscribe',
    `<h1>Unsubscribe</h1>
<p>Stop sending ${what(opts.reportName)} to <strong>${escapeHtml(opts.email)}</strong>?</p>
<form method="post" action="${escapeHtml(opts.action)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  )
}

export function unsubscribedHtml(opts: { email: string; reportName: string | undefined }): string {
  return layout(
    'Unsubscribed',
    `<h1>Unsubscribed</h1><p><strong>${escapeHtml(opts.email)}</strong> will no longer receive ${what(opts.reportName)}.</p>`,
  )
}
