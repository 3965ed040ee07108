package ingest_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/synthrun"
)

// replayEvents replays out and returns every event, copied deeply as the
// sink sees it (payloads dereferenced), so that recycled events cannot
// change what was recorded.
// It also returns how many distinct Events were seen.
func replayEvents(t *testing.T, out string, pool *ingest.EventPool) ([]string, int) {
	return replayEventsWith(t, out, ingest.Options{Events: pool})
}

// replayEventsWith is replayEvents with options.
func replayEventsWith(t *testing.T, out string, opts ingest.Options) ([]string, int) {
	t.Helper()
	var got []string
	seen := map[*ingest.Event]bool{}
	pool := opts.Events
	opts.Jobstate = func(ingest.JobstateRecord, string) {}
	_, err := ingest.Replay(context.Background(), out, opts, func(batch []*ingest.Event) error {
		for _, e := range batch {
			got = append(got, deepString(e))
			seen[e] = true
		}
		pool.Release(batch)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, len(seen)
}

// deepString prints an event with the values its pointers point to.
func deepString(e *ingest.Event) string {
	c := *e
	v := reflect.ValueOf(&c).Elem()
	var payloads string
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			payloads += fmt.Sprintf(" %s=%+v", v.Type().Field(i).Name, f.Elem().Interface())
			f.SetZero()
		}
	}
	return fmt.Sprintf("%+v", c) + payloads
}

// TestEventPoolReplay checks that a replay whose batches are handed back
// to a pool (so that later events reuse them) gives the same events, in
// the same order, as one without a pool, and that events are reused.
// The sink releases each batch as soon as it has read it.
func TestEventPoolReplay(t *testing.T) {
	out := synthrun.DagmanOut(t, 1000)
	want, _ := replayEvents(t, out, nil)
	pool := ingest.NewEventPool()
	got, distinct := replayEvents(t, out, pool)
	if len(got) != len(want) {
		t.Fatalf("%d events with a pool, %d without", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d differs with a pool:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	if distinct > len(got)/2 {
		t.Errorf("%d distinct events for %d: the pool's events were not reused", distinct, len(got))
	}
}

// TestNoInvStart checks that Options.NoInvStart leaves out the inv.start
// events, and only them: the rest of the stream is the same, in order.
func TestNoInvStart(t *testing.T) {
	out := synthrun.DagmanOut(t, 300)
	all, _ := replayEventsWith(t, out, ingest.Options{})
	without, _ := replayEventsWith(t, out, ingest.Options{NoInvStart: true})
	var want []string
	starts := 0
	for _, e := range all {
		if strings.HasPrefix(e, fmt.Sprintf("{Kind:%s ", ingest.InvStart)) {
			starts++
			continue
		}
		want = append(want, e)
	}
	if starts == 0 || !slices.Equal(without, want) {
		t.Fatalf("%d events without inv.start, want %d (%d inv.start in the full stream)", len(without), len(want), starts)
	}
}

// TestEventPoolRelease checks that a released event is zeroed (it keeps no
// payload alive) and that a nil pool accepts releases.
func TestEventPoolRelease(t *testing.T) {
	pool := ingest.NewEventPool()
	e := &ingest.Event{Kind: ingest.MainEnd, Job: "j", End: &ingest.JobEnd{User: "u"}}
	pool.Release([]*ingest.Event{e})
	if !reflect.DeepEqual(*e, ingest.Event{}) {
		t.Errorf("released event not zeroed: %+v", *e)
	}
	if n := ingest.PooledEvents(pool); n != 1 {
		t.Errorf("pool holds %d events, want 1", n)
	}
	var none *ingest.EventPool
	none.Release([]*ingest.Event{{Kind: ingest.MainEnd}})
}
