package api

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"sync"
)

// encodedTile is a tile's bytes, and the same gzip-compressed (nil when the
// tile is too small to gain), made once and served to every client.
type encodedTile struct{ raw, gzipped []byte }

// minGzipTile is the size below which a tile is sent uncompressed, as the gzip middleware does.
const minGzipTile = 1024

// encodeTile wraps a tile's bytes, gzipped too when compress is set.
func encodeTile(mvt []byte, compress bool) (*encodedTile, error) {
	t := &encodedTile{raw: mvt}
	if !compress || len(mvt) < minGzipTile {
		return t, nil
	}
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(mvt); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	t.gzipped = b.Bytes()
	return t, nil
}

// tileCacheEntryOverhead approximates what an entry costs besides its bytes
// (list element, map entry, headers of the slices).
const tileCacheEntryOverhead = 200

// tileCache keeps the encoded tiles of one data version in memory within a
// bound on their bytes, dropping the least recently used first. A newer data
// version empties it, so that tiles of older data are never served again and
// their memory is free at once. A nil cache keeps nothing.
type tileCache struct {
	mu      sync.Mutex
	limit   int64 // bytes
	size    int64
	version int64
	lru     *list.List // of *tileCacheEntry, the most recently used first
	byKey   map[string]*list.Element
}

type tileCacheEntry struct {
	key  string
	tile *encodedTile
}

func (e *tileCacheEntry) cost() int64 {
	return int64(len(e.key)+len(e.tile.raw)+len(e.tile.gzipped)) + tileCacheEntryOverhead
}

// newTileCache makes a cache holding up to limit bytes; a limit of 0 or less turns caching off.
func newTileCache(limit int64) *tileCache {
	if limit <= 0 {
		return nil
	}
	return &tileCache{limit: limit, lru: list.New(), byKey: map[string]*list.Element{}}
}

// bytes is the memory the cache holds.
func (c *tileCache) bytes() int64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// get returns the tile cached under key for this data version.
func (c *tileCache) get(version int64, key string) (*encodedTile, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok || version != c.version {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*tileCacheEntry).tile, true
}

// put caches a tile built from data of the given version. A tile of older
// data than the cache holds is not kept; one of newer data empties the cache first.
func (c *tileCache) put(version int64, key string, tile *encodedTile) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case version < c.version:
		return
	case version > c.version:
		c.lru.Init()
		clear(c.byKey)
		c.size, c.version = 0, version
	}
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
	entry := &tileCacheEntry{key: key, tile: tile}
	if entry.cost() > c.limit {
		return
	}
	c.byKey[key] = c.lru.PushFront(entry)
	c.size += entry.cost()
	for c.size > c.limit {
		c.remove(c.lru.Back())
	}
}

func (c *tileCache) remove(el *list.Element) {
	entry := c.lru.Remove(el).(*tileCacheEntry)
	delete(c.byKey, entry.key)
	c.size -= entry.cost()
}
