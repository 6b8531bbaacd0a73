package api

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"
)

// tileOfSize is a tile of n bytes, too small to be gzipped below minGzipTile.
func tileOfSize(n int) *encodedTile { return &encodedTile{raw: make([]byte, n)} }

func TestTileCacheStaysWithinItsBoundDroppingTheLeastRecentlyUsed(t *testing.T) {
	entry := (&tileCacheEntry{key: "k00", tile: tileOfSize(800)}).cost()
	c := newTileCache(3 * entry) // room for three
	for i := range 3 {
		c.put(1, fmt.Sprintf("k%02d", i), tileOfSize(800))
	}
	c.get(1, "k00") // k01 is now the least recently used
	c.put(1, "k03", tileOfSize(800))
	if c.size > c.limit {
		t.Fatalf("size %d over the bound %d", c.size, c.limit)
	}
	for key, want := range map[string]bool{"k00": true, "k01": false, "k02": true, "k03": true} {
		if _, got := c.get(1, key); got != want {
			t.Errorf("%s cached: %v, want %v", key, got, want)
		}
	}
	// Many more, of varied sizes: the bound always holds.
	for i := range 200 {
		c.put(1, fmt.Sprintf("v%03d", i), tileOfSize(100+i*7%900))
		if c.size > c.limit || c.size < 0 {
			t.Fatalf("after %d puts: size %d, bound %d", i+1, c.size, c.limit)
		}
	}
	if len(c.byKey) != c.lru.Len() {
		t.Fatalf("%d keys indexed, %d in the list", len(c.byKey), c.lru.Len())
	}
}

func TestTileCacheKeepsNoTileLargerThanItsBound(t *testing.T) {
	c := newTileCache(1000)
	c.put(1, "small", tileOfSize(100))
	c.put(1, "huge", tileOfSize(5000))
	if _, ok := c.get(1, "huge"); ok {
		t.Error("a tile larger than the whole cache was kept")
	}
	if _, ok := c.get(1, "small"); !ok {
		t.Error("a huge tile pushed out a small one without being kept itself")
	}
}

func TestTileCacheServesOnlyTheCurrentDataVersion(t *testing.T) {
	c := newTileCache(1 << 20)
	c.put(5, "a", tileOfSize(10))
	if _, ok := c.get(6, "a"); ok {
		t.Error("a tile of version 5 was served for version 6")
	}
	c.put(6, "b", tileOfSize(10))
	if _, ok := c.get(5, "a"); ok || c.lru.Len() != 1 {
		t.Errorf("after a newer version, %d tiles remain (the old one served: %v), want only the new one", c.lru.Len(), ok)
	}
	c.put(5, "late", tileOfSize(10)) // built from older data by a request that started before the write
	if _, ok := c.get(5, "late"); ok {
		t.Error("a tile of older data was kept")
	}
	if _, ok := c.get(6, "late"); ok {
		t.Error("a tile of older data is served under the newer version")
	}
	if _, ok := c.get(6, "b"); !ok {
		t.Error("the current version's tile is gone")
	}
}

func TestTileCacheOfSizeZeroKeepsNothing(t *testing.T) {
	c := newTileCache(0)
	c.put(1, "a", tileOfSize(10))
	if _, ok := c.get(1, "a"); ok {
		t.Error("a disabled cache served a tile")
	}
}

func TestEncodedTilesGzipWhatIsWorthIt(t *testing.T) {
	small, err := encodeTile(bytes.Repeat([]byte{1}, minGzipTile-1), true)
	if err != nil || small.gzipped != nil {
		t.Fatalf("a %d-byte tile: gzipped %v, %v; want it sent as is", minGzipTile-1, small.gzipped != nil, err)
	}
	raw := bytes.Repeat([]byte("desa 36.72.01.1001 "), 500)
	big, err := encodeTile(raw, true)
	if err != nil || big.gzipped == nil || len(big.gzipped) >= len(raw) {
		t.Fatalf("a repetitive %d-byte tile: %v", len(raw), err)
	}
	r, err := gzip.NewReader(bytes.NewReader(big.gzipped))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("gunzipped tile differs from the tile (%v)", err)
	}
}
