package data_test

import (
	"context"
	"slices"
	"testing"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

func searchCodes(t *testing.T, store *data.Store, text string) []string {
	t.Helper()
	found, err := store.Search(context.Background(), data.SearchQuery{Text: text, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{}
	for _, f := range found {
		codes = append(codes, string(f.Code))
	}
	return codes
}

func TestTheSearchIndexHoldsEveryUnitAsImported(t *testing.T) {
	conn := datatest.Conn(t, datatest.Banten(t))
	// One entry per unit, each of its current name.
	if n := queryInt(t, conn, `
		SELECT count(*) FROM admin_unit u FULL JOIN admin_unit_search s USING (code)
		WHERE s.name IS DISTINCT FROM search_fold(u.name) OR s.level IS DISTINCT FROM u.level`); n != 0 {
		t.Errorf("%d units are missing from the search index or stale in it", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM admin_unit_search`); n != 1716 {
		t.Errorf("the search index holds %d units, want the 1,716 of the Banten sample", n)
	}
}

func TestTheSearchFollowsAnImportThatAddsAndRenamesUnits(t *testing.T) {
	dbURL := datatest.NewDatabase(t)
	store := datatest.Open(t, dbURL)
	parents := `"kecamatan":"Kecamatan Uji","kabupaten":"Kota Uji","provinsi":"Provinsi Uji"`
	importDesa := func(name string) {
		t.Helper()
		_, err := store.ImportBoundaries(context.Background(), []data.BoundarySource{source("uji.geojson", collection(
			feature(`"kode":"99.71.01.1001","nama":"Pasir Kéong",`+parents, polygon(square(100.5, 0.5, 0.5))),
			feature(`"kode":"99.71.01.2002","nama":"`+name+`",`+parents, polygon(square(101.5, 0.5, 0.5)))))}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	importDesa("Kotak")
	cases := map[string][]string{
		"keong":   {"99.71.01.1001"},
		"PASIR K": {"99.71.01.1001"},
		"kotak":   {"99.71.01.2002"},
		// The dissolved units are found too: Kota Uji first, an exact match
		// without its kind, then the others coarser first.
		"uji": {"99.71", "99", "99.71.01"},
	}
	for q, want := range cases {
		if got := searchCodes(t, store, q); !slices.Equal(got, want) {
			t.Errorf("after the import, %q finds %v, want %v", q, got, want)
		}
	}
	importDesa("Bujur Sangkar")
	if got := searchCodes(t, store, "kotak"); len(got) != 0 {
		t.Errorf("after the rename, the old name finds %v", got)
	}
	if got := searchCodes(t, store, "sangkar"); !slices.Equal(got, []string{"99.71.01.2002"}) {
		t.Errorf("after the rename, the new name finds %v", got)
	}
}
