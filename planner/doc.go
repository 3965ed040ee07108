// Package planner is pegasus-plan: it reads an abstract workflow (DAX XML
// 2.x/3.x or YAML 5.0), the site, transformation and replica catalogs and the
// properties, refines the workflow (package refine) and writes a complete
// HTCondor DAGMan submit directory (package codegen). The directory is
// written under a temporary name and renamed at the end, so a failed plan
// leaves nothing half-written. Production code here must not import ingest,
// stampede or report: data flows plan -> run -> ingest -> stampede -> report.
package planner
