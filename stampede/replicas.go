package stampede

import (
	"fmt"
	"strings"
)

// replicas collects the replica-catalog rows of one load (rc.meta, rc.pfn,
// wf.map.file events, keyed by LFN) and writes rc_lfn, rc_meta, rc_pfn,
// workflow_files and lfn_workflow rows. rc_meta is merged (a later value of
// a key replaces an earlier one), rc_pfn and the mapping rows are added once.
//
// When the database has no LFN yet (a run loaded into its own database, the
// common case) the keys are known at once and rows go straight to their
// tables; otherwise they are staged in temporary tables and resolved against
// the existing LFNs in SQL at commit.
type replicas struct {
	direct  bool             // no LFN in the database at the start of the load
	lfnBase int64            // first new lfn_id (direct mode)
	pfnNext int64            // next pfn_id (direct mode)
	lfns    map[string]int64 // LFN -> staging index, 1-based, in order of first reference
	names   []string         // the LFNs by index - 1
	staged  bool             // temporary tables exist (staged mode)
	seq     int64            // order of staged rows

	// The LFN of the previous call (static events give each LFN's rows
	// together): its index, key and workflow.
	lastName      string
	lastIdx, last int64
	lastWf        int64

	// Direct mode: what was written, to write each row once.
	keys     map[string]int32      // rc_meta key -> small id
	metaBits []uint64              // per LFN index - 1: keys below 64 written
	meta     map[[2]int64]struct{} // (lfn_id, key id) written, key ids from 64
	override map[[2]int64]string   // later values of a (lfn, key) already written
	pfns     map[pfnKey]struct{}
	files    map[[3]int64]struct{}
	lfnWf    map[[2]int64]struct{} // (lfn_id, wf_id) written, but for each LFN's first workflow
	firstWf  []int64               // per LFN index - 1: the first workflow written for it, or 0
}

type pfnKey struct {
	lfn       int64
	pfn, site string
}

func (l *loader) beginReplicas() {
	r := &replicas{lfns: map[string]int64{}}
	// nextIDs gives 1 for an empty rc_lfn.
	if l.next[tRCLFN] == 1 {
		r.direct = true
		r.lfnBase = 1
		r.pfnNext = l.next[tRCPFN]
		r.keys = map[string]int32{}
		r.meta = map[[2]int64]struct{}{}
		r.override = map[[2]int64]string{}
		r.pfns = map[pfnKey]struct{}{}
		r.files = map[[3]int64]struct{}{}
		r.lfnWf = map[[2]int64]struct{}{}
	}
	l.rc = r
}

// lfn returns the LFN's staging index and, in direct mode, its lfn_id.
func (l *loader) lfn(wf int64, name string) (idx, id int64, err error) {
	r := l.rc
	if r.lastIdx != 0 && wf == r.lastWf && name == r.lastName {
		return r.lastIdx, r.last, nil
	}
	idx, id, err = l.lfnLookup(wf, name)
	if err == nil {
		r.lastIdx, r.last, r.lastWf = idx, id, wf
		r.lastName = r.names[idx-1]
	}
	return idx, id, err
}

func (l *loader) lfnLookup(wf int64, name string) (idx, id int64, err error) {
	r := l.rc
	idx, ok := r.lfns[name]
	if !ok {
		idx = int64(len(r.lfns)) + 1
		name = strings.Clone(name)
		r.lfns[name] = idx
		r.names = append(r.names, name)
		if r.direct {
			l.used[tRCLFN] = true
			if err := l.row(tRCLFN).I(r.lfnBase + idx - 1).S(name).end(); err != nil {
				return 0, 0, err
			}
		} else {
			if err := l.stage(); err != nil {
				return 0, 0, err
			}
			if err := l.row(tLoadNames).I(idx).S(name).end(); err != nil {
				return 0, 0, err
			}
		}
	}
	if r.direct {
		id = r.lfnBase + idx - 1
		// Most LFNs belong to one workflow: a slice, not the map, says so.
		for int64(len(r.firstWf)) < idx {
			r.firstWf = append(r.firstWf, 0)
		}
		seen := true
		switch first := &r.firstWf[idx-1]; {
		case *first == 0:
			*first, seen = wf, false
		case *first != wf:
			k := [2]int64{id, wf}
			if _, seen = r.lfnWf[k]; !seen {
				r.lfnWf[k] = struct{}{}
			}
		}
		if !seen {
			if err := l.row(tLFNWorkflow).I(id).I(wf).end(); err != nil {
				return 0, 0, err
			}
		}
	}
	return idx, id, nil
}

// stage creates the temporary tables of staged mode.
func (l *loader) stage() error {
	if l.rc.staged {
		return nil
	}
	for _, q := range []string{
		`CREATE TEMP TABLE _load_names (idx BIGINT, lfn VARCHAR)`,
		`CREATE TEMP TABLE _load_rc_meta (seq BIGINT, wf_id BIGINT, idx BIGINT, key VARCHAR, value VARCHAR)`,
		`CREATE TEMP TABLE _load_rc_pfn (seq BIGINT, wf_id BIGINT, idx BIGINT, pfn VARCHAR, site VARCHAR)`,
		`CREATE TEMP TABLE _load_wf_files (seq BIGINT, wf_id BIGINT, task_id BIGINT, idx BIGINT)`,
	} {
		if err := l.exec(q); err != nil {
			return err
		}
	}
	l.rc.staged = true
	return nil
}

func (l *loader) rcMeta(wf int64, lfn, key, value string) error {
	idx, id, err := l.lfn(wf, lfn)
	if err != nil {
		return err
	}
	r := l.rc
	if !r.direct {
		r.seq++
		return l.row(tLoadRCMeta).I(r.seq).I(wf).I(idx).S(key).S(value).end()
	}
	kid, ok := r.keys[key]
	if !ok {
		kid = int32(len(r.keys))
		r.keys[strings.Clone(key)] = kid
	}
	k := [2]int64{id, int64(kid)}
	seen := false
	if kid < 64 {
		for int64(len(r.metaBits)) < idx {
			r.metaBits = append(r.metaBits, 0)
		}
		bit := uint64(1) << kid
		seen = r.metaBits[idx-1]&bit != 0
		r.metaBits[idx-1] |= bit
	} else {
		_, seen = r.meta[k]
		r.meta[k] = struct{}{}
	}
	if seen {
		r.override[k] = strings.Clone(value)
		return nil
	}
	return l.row(tRCMeta).I(id).S(key).S(value).end()
}

func (l *loader) rcPFN(wf int64, lfn, pfn, site string) error {
	idx, id, err := l.lfn(wf, lfn)
	if err != nil {
		return err
	}
	r := l.rc
	if !r.direct {
		r.seq++
		return l.row(tLoadRCPFN).I(r.seq).I(wf).I(idx).S(pfn).NS(site).end()
	}
	k := pfnKey{id, pfn, site}
	if _, ok := r.pfns[k]; ok {
		return nil
	}
	r.pfns[pfnKey{id, strings.Clone(pfn), strings.Clone(site)}] = struct{}{}
	pid := r.pfnNext
	r.pfnNext++
	l.used[tRCPFN] = true
	return l.row(tRCPFN).I(pid).I(id).S(pfn).NS(site).end()
}

func (l *loader) wfFile(wf, task int64, lfn string) error {
	idx, id, err := l.lfn(wf, lfn)
	if err != nil {
		return err
	}
	r := l.rc
	if !r.direct {
		r.seq++
		return l.row(tLoadWfFiles).I(r.seq).I(wf).I(task).I(idx).end()
	}
	k := [3]int64{wf, task, id}
	if _, ok := r.files[k]; ok {
		return nil
	}
	r.files[k] = struct{}{}
	return l.row(tWorkflowFiles).I(wf).I(task).I(id).N().end()
}

// resolveReplicas finishes the replica rows at commit (appenders closed).
func (l *loader) resolveReplicas() error {
	r := l.rc
	if r == nil {
		return nil
	}
	if r.direct {
		if len(r.override) == 0 {
			return nil
		}
		keys := make([]string, len(r.keys))
		for k, id := range r.keys {
			keys[id] = k
		}
		for k, v := range r.override {
			if err := l.exec("UPDATE rc_meta SET value = ? WHERE lfn_id = ? AND key = ?", v, k[0], keys[k[1]]); err != nil {
				return err
			}
		}
		return nil
	}
	if !r.staged {
		return nil
	}
	lfnID, pfnID := l.next[tRCLFN], l.next[tRCPFN]
	stmts := []string{
		// LFNs of this load, numbered in order of first reference.
		fmt.Sprintf(`INSERT INTO rc_lfn
			SELECT %d + row_number() OVER (ORDER BY idx) - 1, lfn FROM _load_names n
			WHERE NOT EXISTS (SELECT 1 FROM rc_lfn r WHERE r.lfn = n.lfn)`, lfnID),
		`CREATE TEMP TABLE _load_map AS SELECT n.idx, r.lfn_id FROM _load_names n JOIN rc_lfn r ON r.lfn = n.lfn`,
		`DELETE FROM rc_meta WHERE (lfn_id, key) IN (
			SELECT m.lfn_id, s.key FROM _load_rc_meta s JOIN _load_map m ON m.idx = s.idx)`,
		`INSERT INTO rc_meta
			SELECT m.lfn_id, s.key, arg_max(s.value, s.seq) FROM _load_rc_meta s JOIN _load_map m ON m.idx = s.idx
			GROUP BY m.lfn_id, s.key ORDER BY min(s.seq)`,
		fmt.Sprintf(`INSERT INTO rc_pfn
			SELECT %d + row_number() OVER (ORDER BY first) - 1, lfn_id, pfn, site FROM (
				SELECT m.lfn_id, p.pfn, p.site, min(p.seq) AS first
				FROM _load_rc_pfn p JOIN _load_map m ON m.idx = p.idx GROUP BY m.lfn_id, p.pfn, p.site) x
			WHERE NOT EXISTS (SELECT 1 FROM rc_pfn q WHERE q.lfn_id = x.lfn_id AND q.pfn = x.pfn
				AND q.site IS NOT DISTINCT FROM x.site)`, pfnID),
		`INSERT INTO workflow_files
			SELECT f.wf_id, f.task_id, m.lfn_id, NULL FROM _load_wf_files f JOIN _load_map m ON m.idx = f.idx
			GROUP BY f.wf_id, f.task_id, m.lfn_id ORDER BY min(f.seq)`,
		`INSERT INTO lfn_workflow
			SELECT m.lfn_id, s.wf_id FROM (
				SELECT idx, wf_id, seq FROM _load_rc_meta UNION ALL SELECT idx, wf_id, seq FROM _load_rc_pfn
				UNION ALL SELECT idx, wf_id, seq FROM _load_wf_files) s JOIN _load_map m ON m.idx = s.idx
			GROUP BY m.lfn_id, s.wf_id ORDER BY min(s.seq)`,
		`DROP TABLE _load_map`, `DROP TABLE _load_names`, `DROP TABLE _load_rc_meta`, `DROP TABLE _load_rc_pfn`, `DROP TABLE _load_wf_files`,
	}
	for _, q := range stmts {
		if err := l.exec(q); err != nil {
			return err
		}
	}
	return nil
}
