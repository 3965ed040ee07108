// Package refine turns an abstract workflow into the executable workflow:
// data reuse, site selection, clustering, transfer refinement (stage-in,
// stage-out, inter-site, registration), create-dir and cleanup jobs,
// priorities and categories, and the job wrappers (kickstart, PegasusLite),
// in the order of PLANNER.md §2. It reads catalogs but writes no files; the
// codegen package renders its result.
package refine
