// Package e2e holds the end-to-end tests of the toolchain: pegasus-plan,
// pegasus-run (the local executor with pegasus-monitord live beside it),
// then pegasus-statistics and pegasus-analyzer, on the bundled examples and
// on generated workflows, in every data configuration. The commands are
// built once for the package.
package e2e
