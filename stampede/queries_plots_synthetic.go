package stampede

import (
	"context"
	"fmt"
)

// FillSyntheticEdges gives the workflows that have jobs but no job_edge
// rows (such as FillSynthetic's) a DAG consistent with their times, for
// benchmarks of the charts that follow edges: every job that is not a
// sub-workflow job gets as parent the job that ended last before it
// started, and, for a fifth of the jobs taken by hash, also the latest
// such job among that fifth (so the graph has fan-in, not only chains).
// Jobs that started before any other ended have no parent.
func (db *DB) FillSyntheticEdges(ctx context.Context) error {
	_, err := db.SQL.ExecContext(ctx, `
INSERT INTO job_edge
WITH jt AS (
	SELECT j.wf_id, j.job_id, j.exec_job_id, min(js.timestamp) AS s, max(js.timestamp) AS e
	FROM job j JOIN job_instance ji ON ji.job_id = j.job_id JOIN jobstate js ON js.job_instance_id = ji.job_instance_id
	WHERE j.type_desc NOT IN ('dax', 'dag')
		AND j.wf_id NOT IN (SELECT DISTINCT wf_id FROM job_edge)
	GROUP BY ALL
), fifth AS (SELECT * FROM jt WHERE hash(job_id) % 5 = 0)
SELECT DISTINCT wf_id, parent, child FROM (
	SELECT c.wf_id, p.exec_job_id AS parent, c.exec_job_id AS child
	FROM jt c ASOF JOIN jt p ON c.wf_id = p.wf_id AND c.s > p.e
	UNION ALL
	SELECT c.wf_id, p.exec_job_id, c.exec_job_id
	FROM jt c ASOF JOIN fifth p ON c.wf_id = p.wf_id AND c.s > p.e
)`)
	if err != nil {
		return fmt.Errorf("%s: synthetic edges: %w", db.Path, err)
	}
	return nil
}
