package geo

import "github.com/uber/h3-go/v4"

// H3Neighbours is the k-ring weights of H3 cells, binary: cell i's
// neighbours are the other listed cells within k grid steps of it (h3
// GridDisk), in GridDisk's order. Cells not listed are not units, so a cell
// whose disk holds no other listed cell is an island. The cells must be
// distinct and of one resolution.
func H3Neighbours(cells []h3.Cell, k int) Neighbours {
	index := make(map[h3.Cell]int, len(cells))
	for i, c := range cells {
		index[c] = i
	}
	nb := make(Neighbours, len(cells))
	for i, c := range cells {
		for _, d := range c.GridDisk(k) {
			if j, ok := index[d]; ok && j != i {
				nb[i] = append(nb[i], j)
			}
		}
	}
	return nb
}
