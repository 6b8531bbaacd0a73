package api

import (
	"errors"
	"maps"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// The fuzz targets of the query parsers: each refusal must be a 400 problem
// naming a parameter, never a panic or another error.

// wantBadParameter fails unless err is a 400 problem naming one of params.
func wantBadParameter(t *testing.T, err error, params ...string) {
	t.Helper()
	var p *Problem
	if !errors.As(err, &p) || p.Status != http.StatusBadRequest || !slices.Contains(params, p.Parameter) {
		t.Fatalf("error %v (%T); want a 400 problem naming one of %v", err, err, params)
	}
}

// wholeNumber reads s as a decimal whole number that fits an int, as the
// parameters that take one should (independently of strconv.Atoi).
func wholeNumber(s string) (int, bool) {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || !n.IsInt64() {
		return 0, false
	}
	return int(n.Int64()), true
}

// fuzzLevel maps any byte to an admin level.
func fuzzLevel(b byte) geo.Level { return geo.Levels[int(b)%len(geo.Levels)] }

// queryContext is an Echo context for GET path?rawQuery, with no server behind it.
func queryContext(path, rawQuery string) echo.Context {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.URL.RawQuery = rawQuery
	return echo.New().NewContext(req, httptest.NewRecorder())
}

// FuzzParseBBox: a box that parses is valid, finite, not inverted, and its
// numbers written back read as the same box; anything else is a 400 on bbox.
func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"106,-7,107,-6", "105.1, -7.0, 106.8 ,-5.8", "106,-7,0,107,-6,100", "-180,-90,180,90",
		"107,-7,106,-6", "106,-7,107", "NaN,-7,107,-6", "1e400,0,0,0", "0x1p3,-7,107,-6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseBBox(s)
		if err != nil {
			wantBadParameter(t, err, ParamBBox)
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("parseBBox(%q) = %+v, invalid: %v", s, b, err)
		}
		for _, v := range []float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("parseBBox(%q) = %+v", s, b)
			}
		}
		if b.MinLon > b.MaxLon || b.MinLat > b.MaxLat {
			t.Fatalf("parseBBox(%q) = %+v: inverted", s, b)
		}
		var nums []string
		for _, v := range []float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat} {
			nums = append(nums, strconv.FormatFloat(v, 'g', -1, 64))
		}
		if again, err := parseBBox(strings.Join(nums, ",")); err != nil || *again != *b {
			t.Fatalf("parseBBox(%q) = %+v, written back reads as %+v, %v", s, b, again, err)
		}
	})
}

// FuzzParsePage: limit is taken when it is a whole number of at least 1,
// however large (served as at most MaxLimit, with a notice), offset when it
// is a whole number from 0 to MaxOffset; a refusal is a 400 on the first at fault.
func FuzzParsePage(f *testing.F) {
	f.Add("10", "20", true, true)
	f.Add("", "", false, false)
	f.Add("10001", "0", true, true)
	f.Add("0", "", true, false)
	f.Add("-1", "", true, false)
	f.Add("", "10000001", false, true)
	f.Add("99999999999999999999", "", true, false)
	f.Add("+5", "-0", true, true)
	f.Fuzz(func(t *testing.T, limit, offset string, hasLimit, hasOffset bool) {
		q := url.Values{}
		if hasLimit {
			q.Set(ParamLimit, limit)
		}
		if hasOffset {
			q.Set(ParamOffset, offset)
		}
		l, o, notice, err := parsePage(q)
		wantLimit, wantOffset, wantNotice := DefaultLimit, 0, false
		limitOK, offsetOK := true, true
		if hasLimit {
			n, ok := new(big.Int).SetString(limit, 10)
			limitOK = ok && n.Sign() > 0
			if wantNotice = limitOK && n.Cmp(big.NewInt(MaxLimit)) > 0; !wantNotice && limitOK {
				wantLimit = int(n.Int64())
			} else {
				wantLimit = MaxLimit
			}
		}
		if hasOffset {
			n, ok := wholeNumber(offset)
			offsetOK, wantOffset = ok && n >= 0 && n <= MaxOffset, n
		}
		switch {
		case !limitOK:
			wantBadParameter(t, err, ParamLimit)
		case !offsetOK:
			wantBadParameter(t, err, ParamOffset)
		case err != nil:
			t.Fatalf("limit %q, offset %q refused: %v", limit, offset, err)
		case l != wantLimit || o != wantOffset:
			t.Fatalf("limit %q, offset %q read as %d, %d; want %d, %d", limit, offset, l, o, wantLimit, wantOffset)
		case (notice != "") != wantNotice:
			t.Fatalf("limit %q: notice %q", limit, notice)
		}
	})
}

// FuzzParseSortBy: every item of a list that parses is a sortable property,
// descending exactly when written with a leading -; else a 400 on sortby.
func FuzzParseSortBy(f *testing.F) {
	f.Add("code", byte(3))
	f.Add("-score,+name, area_km2", byte(3))
	f.Add("tps_count", byte(0))
	f.Add("-", byte(3))
	f.Add("code;DROP TABLE admin_unit", byte(3))
	f.Add("geom", byte(3))
	f.Fuzz(func(t *testing.T, s string, levelByte byte) {
		level := fuzzLevel(levelByte)
		keys, err := parseSortBy(s, level)
		if err != nil {
			wantBadParameter(t, err, ParamSortBy)
			return
		}
		items := strings.Split(s, ",")
		if len(keys) != len(items) {
			t.Fatalf("parseSortBy(%q) = %d keys", s, len(keys))
		}
		for i, k := range keys {
			if p, ok := data.PropertiesByName(level)[k.Property]; !ok || !p.Sortable {
				t.Fatalf("parseSortBy(%q): %q is not a sortable property of %s", s, k.Property, level)
			}
			if desc := strings.HasPrefix(strings.TrimSpace(items[i]), "-"); k.Descending != desc {
				t.Fatalf("parseSortBy(%q): %q read with descending %v", s, items[i], k.Descending)
			}
		}
	})
}

// FuzzParsePropertyList: a selection that parses names each of its items, a
// known property, once; else a 400 on properties.
func FuzzParsePropertyList(f *testing.F) {
	f.Add("code,name", byte(3))
	f.Add("", byte(3))
	f.Add("code,code", byte(3))
	f.Add(" name , score", byte(0))
	f.Add("code,", byte(3))
	f.Fuzz(func(t *testing.T, s string, levelByte byte) {
		props := data.PropertiesByName(fuzzLevel(levelByte))
		names, err := parsePropertyList(s, props)
		if err != nil {
			wantBadParameter(t, err, ParamProperties)
			return
		}
		if want := len(strings.Split(s, ",")); s == "" && len(names) != 0 || s != "" && len(names) != want {
			t.Fatalf("parsePropertyList(%q) = %q", s, names)
		}
		for i, name := range names {
			if _, ok := props[name]; !ok || slices.Contains(names[:i], name) {
				t.Fatalf("parsePropertyList(%q) = %q: %q unknown or repeated", s, names, name)
			}
		}
	})
}

// FuzzParseItems: a whole items query. A refusal is a 400 naming a parameter
// of the query; a query taken has only known parameters, its page within
// bounds, a valid box, and filters on filterable properties whose codes are
// of their level.
func FuzzParseItems(f *testing.F) {
	f.Add("limit=5&offset=10&bbox=106,-7,107,-6&sortby=-score&properties=code,name", byte(3))
	f.Add("kabupaten_code=3601&category=tinggi&f=csv", byte(3))
	f.Add("kabupaten_code=36.01.01&f=json", byte(3))
	f.Add("limit=1&limit=2", byte(3))
	f.Add("bogus=1", byte(0))
	f.Add("datetime=2024-02-14&election=pemilu-2024&phase=voting", byte(2))
	f.Add("name=x%00y&sortby=name;--", byte(3))
	f.Fuzz(func(t *testing.T, rawQuery string, levelByte byte) {
		level := fuzzLevel(levelByte)
		q, _ := url.ParseQuery(rawQuery) // as Echo reads it: what parses
		req, err := parseItems(level, q)
		if err != nil {
			wantBadParameter(t, err, slices.Collect(maps.Keys(q))...)
			return
		}
		props := data.PropertiesByName(level)
		for name := range q {
			if p, ok := props[name]; !slices.Contains(itemsParams, name) && !(ok && p.Filter) {
				t.Fatalf("%q: unknown parameter %q taken", rawQuery, name)
			}
		}
		fq := req.query
		if fq.Limit < 1 || fq.Limit > MaxLimit || fq.Offset < 0 || fq.Offset > MaxOffset {
			t.Fatalf("%q: page limit %d offset %d", rawQuery, fq.Limit, fq.Offset)
		}
		if fq.BBox != nil && fq.BBox.Validate() != nil {
			t.Fatalf("%q: box %+v", rawQuery, fq.BBox)
		}
		for name, v := range fq.Filters {
			p := props[name]
			if !p.Filter {
				t.Fatalf("%q: filter on %q", rawQuery, name)
			}
			if p.CodeLevel != 0 {
				if code, err := geo.ParseCode(v); err != nil || string(code) != v || code.Level() != p.CodeLevel {
					t.Fatalf("%q: filter %s=%q is not a %s code", rawQuery, name, v, p.CodeLevel)
				}
			}
			if p.Enum != nil && !slices.Contains(p.Enum, v) {
				t.Fatalf("%q: filter %s=%q is not one of %v", rawQuery, name, v, p.Enum)
			}
		}
	})
}
