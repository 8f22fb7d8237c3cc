// Package lint holds the project's rules as tests: the import rule of
// DESIGN.md ("arrows point down only") is checked by TestImportRule on
// every non-test Go file of the module.
package lint
