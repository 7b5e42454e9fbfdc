/** The render capability: report files from stored query results, plus the inline table the mail activity embeds. */

export { escapeHtml, readRows, renderInlineHtmlTable } from './inline-table.js'
export { createRenderActivities, type RenderActivityDeps } from './render-report.js'
