// Public surface of @tempeh/plugin-validate: re-exports only.
export { validateState, VALIDATE_TASK, type CustomRule, type ValidateOptions, type ValidationReport } from './validate-state.js';
export { BUILTIN_RULES, builtinRule, SEVERITY_RANK, type RuleMeta, type RuleCategory, type Severity } from './rules/catalog.js';
export { summarize, reaches, maskSecret, compareFindings, type Finding, type FindingSummary } from './findings.js';
export { checkResource, type ResourceCheck, type ResourceRecord } from './rules/resource-rules.js';
export { formatJson, formatSarif, formatTable, RULES_DOC_URI, type NamedReport } from './format/format-report.js';
export { ValidatePlugin, validatePlugin, type ValidatePluginOptions, type ValidateHooks, type FindingsContext } from './plugin.js';
