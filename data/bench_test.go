package data_test

import (
	"context"
	"testing"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

// BenchmarkObservationWrite records one observation at a time in Banten,
// each rescoring its desa and the units above it.
func BenchmarkObservationWrite(b *testing.B) {
	store := datatest.Open(b, datatest.BantenCopy(b))
	ctx := context.Background()
	actor := data.Actor{Name: "bench", Role: data.Editor}
	at := time.Date(2024, 3, 1, 10, 0, 0, 0, geo.WIB).Format(time.RFC3339)
	b.ResetTimer()
	for i := range b.N {
		v := float64(i % 2)
		in := geo.ObservationInput{Indicator: "riwayat_konflik_massa", UnitCode: "36.01.01.2001", Election: "pemilu-2024",
			Phase: "rekapitulasi", Value: &v, Source: "polres", ObservedAt: at}
		if _, err := store.AddObservations(ctx, actor, data.ObservationBatch{Inputs: []geo.ObservationInput{in}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreAll rescores every phase of Banten.
func BenchmarkScoreAll(b *testing.B) {
	store := datatest.Open(b, datatest.BantenCopy(b))
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := store.ScoreAll(ctx, data.Actor{Name: "bench", Role: data.Admin}); err != nil {
			b.Fatal(err)
		}
	}
}
