package geo

import (
	"slices"
	"testing"

	"github.com/uber/h3-go/v4"
)

// A res 8 cell in Serang, Banten.
var serangCell = h3.LatLngToCell(h3.NewLatLng(-6.12, 106.15), 8)

func TestH3NeighboursOfAHexagonAndItsFirstRing(t *testing.T) {
	// The cell first, then its six neighbours around it.
	cells := append([]h3.Cell{serangCell}, serangCell.GridDiskDistances(1)[1]...)
	if len(cells) != 7 {
		t.Fatalf("a hexagon has %d cells at distance 1, want 6", len(cells)-1)
	}
	// k=1: the centre touches all six; each ring cell touches the centre
	// and the two ring cells on either side of it, no more (a hexagon's
	// neighbours are its six sides).
	nb := H3Neighbours(cells, 1)
	if err := nb.Validate(len(cells)); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(nb[0])); !slices.Equal(got, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("k=1: centre's neighbours %v, want all six", got)
	}
	for i := 1; i < 7; i++ {
		if len(nb[i]) != 3 || !slices.Contains(nb[i], 0) {
			t.Errorf("k=1: ring cell %d has neighbours %v, want the centre and two ring cells", i, nb[i])
		}
		for _, j := range nb[i] {
			if !slices.Contains(nb[j], i) {
				t.Errorf("k=1: %d lists %d but not the other way round", i, j)
			}
		}
	}
	// k=2: any two cells of a 1-disk are at most two steps apart.
	for i, list := range H3Neighbours(cells, 2) {
		if len(list) != 6 {
			t.Errorf("k=2: cell %d has %d neighbours, want the 6 others", i, len(list))
		}
	}
}

func TestH3NeighboursFlagsACellBeyondKAsAnIsland(t *testing.T) {
	// A cell three steps away is outside a 2-ring but inside a 3-ring.
	far := serangCell.GridDiskDistances(3)[3][0]
	if d := serangCell.GridDistance(far); d != 3 {
		t.Fatalf("grid distance %d, want 3", d)
	}
	cells := []h3.Cell{serangCell, far}
	for k, want := range map[int]int{1: 0, 2: 0, 3: 1} {
		nb := H3Neighbours(cells, k)
		if len(nb[0]) != want || len(nb[1]) != want {
			t.Errorf("k=%d: neighbours %v, want %d each", k, nb, want)
		}
	}
}
