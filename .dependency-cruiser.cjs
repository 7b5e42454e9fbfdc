/**
 * Herald's layering, checked by test/architecture/layers.test.ts (and `npx depcruise src`).
 * domain ← workflows ← (worker); domain ← activities; the API talks to workflows only through the Temporal
 * client and the message definitions, never to activities.
 */
const folder = (name) => `^src/${name}/`

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle-between-folders',
      severity: 'error',
      comment: 'Top-level folders of src/ form a directed graph: no import cycle between them.',
      from: { path: '^src/([^/]+)/' },
      to: { circular: true, viaSomeNot: '^src/$1/' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: "src/domain is Herald's contracts and pure decisions: it imports nothing else of Herald's.",
      from: { path: folder('domain') },
      to: { path: '^src/', pathNot: folder('domain') },
    },
    {
      name: 'workflows-import-no-activities-at-runtime',
      severity: 'error',
      comment: 'Workflow code is bundled for the sandbox: activities are proxied by type only.',
      from: { path: folder('workflows') },
      to: { path: folder('activities'), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-stay-deterministic',
      severity: 'error',
      comment:
        'Workflows import only domain, their own folder and the Temporal workflow SDK (plus types). Also the SDK\'s ' +
        'OpenTelemetry workflow interceptors (its lib/workflow only, written for the sandbox), for tracing-interceptors.ts.',
      from: { path: folder('workflows') },
      to: {
        pathNot: [
          folder('workflows'),
          folder('domain'),
          '@temporalio/(workflow|common)',
          '@temporalio/interceptors-opentelemetry/lib/workflow/',
          'zod',
          'croner',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'api-imports-no-activities',
      severity: 'error',
      comment: 'The API is a Temporal client plus reads: report work runs on the worker.',
      from: { path: folder('api') },
      to: { path: folder('activities') },
    },
    {
      name: 'db-serves-everyone',
      severity: 'error',
      comment: 'src/db is used by the API and the activities; it depends only on domain and config.',
      from: { path: folder('db') },
      to: { path: '^src/', pathNot: [folder('db'), folder('domain'), '^src/config\\.ts$', '^src/entry-point\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
}
