// Package dax reads and writes Pegasus abstract workflows in the DAX XML
// formats 2.0, 2.1 and 3.0–3.6 (PLANNER.md §1.3, §1.3a). Both parsers produce
// the same Workflow value; Write renders a Workflow as DAX 3.6. It is a leaf
// of the planner and imports nothing of the project.
package dax
