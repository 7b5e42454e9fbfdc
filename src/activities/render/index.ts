/** The render capability: report files from stored query results, plus the inline table the mail activity embeds. */
export { type RenderActivityDeps, createRenderActivities } from './render-report.js'
export { escapeHtml, readRows, renderInlineHtmlTable } from './inline-table.js'
