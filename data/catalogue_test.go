package data_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

var admin = data.Actor{Name: "chief", Role: data.Admin}

func ptr[T any](v T) *T { return &v }

// modelState fingerprints the model tables, the audit log and the scoring runs.
func modelState(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var state string
	err := conn.QueryRow(context.Background(), `
		SELECT (SELECT md5(string_agg(i::text, ',' ORDER BY code)) FROM indicator i)
		    || (SELECT coalesce(md5(string_agg(w::text, ',' ORDER BY indicator_code, phase_code)), '') FROM indicator_phase_weight w)
		    || (SELECT md5(string_agg(d::text, ',' ORDER BY code)) FROM dimension d)
		    || (SELECT md5(string_agg(c::text, ',' ORDER BY level)) FROM category_threshold c)
		    || (SELECT count(*) FROM audit_log)::text || '/' || (SELECT count(*) FROM scoring_run)::text`).Scan(&state)
	if err != nil {
		t.Fatal(err)
	}
	return state
}

func TestRefusedModelChangesWriteNothing(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL)
	conn := datatest.Conn(t, dbURL)
	ctx := context.Background()
	before := modelState(t, conn)
	valid := data.NewIndicator{Code: "baru", Name: "Baru", Dimension: "contestation", Threat: "netralitas",
		Unit: geo.UnitDesa, ValueType: geo.Binary, Weight: ptr(1.0)}
	withChange := func(change func(*data.NewIndicator)) data.NewIndicator {
		in := valid
		change(&in)
		return in
	}
	cases := []struct {
		name   string
		change func() error
		fields []string
	}{
		{"negative weight and flipped range", func() error {
			_, _, err := store.UpdateIndicator(ctx, admin, "kades_tidak_netral", data.IndicatorChange{Weight: ptr(-1.0), RefMin: ptr(3.0)})
			return err
		}, []string{"weight", "ref_max"}},
		{"phase of no election", func() error {
			_, _, err := store.UpdateIndicator(ctx, admin, "kades_tidak_netral", data.IndicatorChange{PhaseWeights: &map[string]float64{"kampanye": 1, "pilkada": 2}})
			return err
		}, []string{"phase_weights.pilkada"}},
		{"TPS rate indicator", func() error {
			_, _, err := store.CreateIndicator(ctx, admin, withChange(func(in *data.NewIndicator) { in.Unit, in.ValueType = geo.UnitTPS, geo.Rate }))
			return err
		}, []string{"value_type"}},
		{"direction 0 and unknown threat", func() error {
			_, _, err := store.CreateIndicator(ctx, admin, withChange(func(in *data.NewIndicator) { in.Direction, in.Threat = ptr(0), "naga" }))
			return err
		}, []string{"threat", "direction"}},
		{"tinggi below sedang", func() error {
			_, _, err := store.SetThresholds(ctx, admin, geo.Kecamatan, 30, 20)
			return err
		}, []string{"tinggi"}},
		{"negative dimension weight", func() error {
			_, _, err := store.SetDimensionWeight(ctx, admin, "participation", -1)
			return err
		}, []string{"weight"}},
	}
	for _, c := range cases {
		err := c.change()
		var invalid *data.InvalidInput
		if !errors.As(err, &invalid) {
			t.Errorf("%s: %v, want invalid input", c.name, err)
			continue
		}
		var fields []string
		for _, p := range invalid.Problems {
			fields = append(fields, p.Field)
		}
		if fmt.Sprint(fields) != fmt.Sprint(c.fields) {
			t.Errorf("%s: problems name %v, want %v (%v)", c.name, fields, c.fields, err)
		}
	}
	if _, _, err := store.UpdateIndicator(ctx, admin, "no_such_thing", data.IndicatorChange{Weight: ptr(1.0)}); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("an unknown indicator: %v, want not found", err)
	}
	if after := modelState(t, conn); after != before {
		t.Errorf("refused changes wrote: %s -> %s", before, after)
	}
}

func TestANewIndicatorTakesTheDefaultsAndIsAudited(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL)
	conn := datatest.Conn(t, dbURL)
	ctx := context.Background()
	created, runs, err := store.CreateIndicator(ctx, admin, data.NewIndicator{Code: "baru", Name: " Baru ", Dimension: "participation",
		Threat: "partisipasi", Unit: geo.UnitTPS, ValueType: geo.Binary, Weight: ptr(1.5)})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := store.Indicator(ctx, "baru")
	if err != nil {
		t.Fatal(err)
	}
	want := "{baru Baru  participation partisipasi tps binary 1 none 0 1 1.5 map[] <nil>}"
	if fmt.Sprint(created) != want || fmt.Sprint(stored) != want {
		t.Errorf("created %v, stored %v, want %s", created, stored, want)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM election_phase`); len(runs) != n {
		t.Errorf("%d runs queued, want one for each of the %d phases", len(runs), n)
	}
	entries, err := store.AuditLog(ctx, data.AuditQuery{Action: "indicator.create", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != "chief" || entries[0].Target != "indicator/baru" || entries[0].Before != nil ||
		queryInt(t, conn, `SELECT count(*) FROM audit_log WHERE after->>'unit' = 'tps' AND (after->>'weight')::numeric = 1.5`) != 1 {
		t.Errorf("audit entries %+v", entries)
	}
}

// A run queued before a change of the model must not start until the change
// commits: it would score with the old model, and the change would queue
// nothing new for that phase since a run waits there already.
func TestRunsQueuedBeforeAModelChangeWaitForItToCommit(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL)
	ctx := context.Background()
	queued, err := store.QueueScoring(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	// Hold the dimension row, so that the change below waits half-way, after it has locked the queued runs.
	holder := datatest.Conn(t, dbURL)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT FROM dimension WHERE code = 'contestation' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	changed := make(chan []data.Run, 1)
	go func() {
		_, runs, err := store.SetDimensionWeight(ctx, admin, "contestation", 0)
		if err != nil {
			t.Error(err)
		}
		changed <- runs
	}()
	watcher := datatest.Conn(t, dbURL)
	for deadline := time.Now().Add(10 * time.Second); queryInt(t, watcher,
		`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the change never waited for the dimension row")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ran, err := store.RunQueuedScoring(ctx); ran || err != nil {
		t.Errorf("a queued run started during the change (ran %v, err %v)", ran, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	runs := <-changed
	if fmt.Sprint(runIDs(runs)) != fmt.Sprint(runIDs(queued)) {
		t.Errorf("the change answered runs %v, want the waiting %v", runIDs(runs), runIDs(queued))
	}
	for {
		ran, err := store.RunQueuedScoring(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			break
		}
	}
	for _, r := range queued {
		run, err := store.ScoringRun(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != "done" || run.Model.DimensionWeights[geo.Contestation] != 0 {
			t.Errorf("run %d (%s) scored with dimension weights %v, want contestation 0", run.ID, run.Status, run.Model.DimensionWeights)
		}
	}
}

func runIDs(runs []data.Run) []int64 {
	var ids []int64
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	return ids
}
