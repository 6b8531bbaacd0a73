package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Boundary is one administrative unit read from a boundary file.
type Boundary struct {
	Code        Code
	Name        string
	Kind        string
	TPSCount    *int
	KPUCode2024 *string
	// AncestorNames holds the names of the enclosing units the feature
	// carries (kecamatan, kabupaten, provinsi), used to name dissolved units.
	AncestorNames map[Level]string
	Geometry      orb.MultiPolygon
}

// boundaryProperties is the property schema of the boundary files
// (shared/data/README.md): Kemendagri field names as the source writes them.
type boundaryProperties struct {
	Kode          *string `json:"kode"`
	Nama          *string `json:"nama"`
	Jenis         *string `json:"jenis"`
	JumlahTPS     *int    `json:"jumlah_tps"`
	KodeKPU2024   *string `json:"kode_kpu_2024"`
	Kecamatan     *string `json:"kecamatan"`
	Kabupaten     *string `json:"kabupaten"`
	Provinsi      *string `json:"provinsi"`
	KodeKecamatan *string `json:"kode_kecamatan"`
	KodeKabupaten *string `json:"kode_kabupaten"`
	KodeProvinsi  *string `json:"kode_provinsi"`
}

// FeatureError names the feature of a boundary file that could not be read.
type FeatureError struct {
	Index  int  // position in the features array, from 0
	Code   Code // "" when the feature has no readable code
	Reason string
}

func (e *FeatureError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("feature %d (kode %s): %s", e.Index, e.Code, e.Reason)
	}
	return fmt.Sprintf("feature %d: %s", e.Index, e.Reason)
}

// BoundaryReader streams the features of a GeoJSON FeatureCollection one at a
// time, so that a file of any size is read in constant memory.
type BoundaryReader struct {
	dec     *json.Decoder
	index   int
	started bool
	done    bool
	current Boundary
	err     error
}

// NewBoundaryReader reads boundaries from r.
func NewBoundaryReader(r io.Reader) *BoundaryReader {
	return &BoundaryReader{dec: json.NewDecoder(r), index: -1}
}

// Next reads the next feature; it returns false at the end or on an error (see Err).
func (br *BoundaryReader) Next() bool {
	if br.done || br.err != nil {
		return false
	}
	if !br.started {
		if err := br.seekFeatures(); err != nil {
			br.err = err
			return false
		}
		br.started = true
	}
	if !br.dec.More() {
		br.done = true
		if _, err := br.dec.Token(); err != nil { // the closing ]
			br.err = fmt.Errorf("after feature %d: %w", br.index, err)
		} else {
			br.err = br.checkTail()
		}
		return false
	}
	br.index++
	var f geojson.FeatureOf[boundaryProperties]
	if err := br.dec.Decode(&f); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) {
			br.err = &FeatureError{Index: br.index, Reason: fmt.Sprintf("malformed JSON: %v", err)}
		} else {
			br.err = &FeatureError{Index: br.index, Reason: err.Error()}
		}
		return false
	}
	b, err := boundaryFromFeature(&f)
	if err != nil {
		br.err = &FeatureError{Index: br.index, Code: b.Code, Reason: err.Error()}
		return false
	}
	br.current = b
	return true
}

// Boundary is the feature Next has read.
func (br *BoundaryReader) Boundary() Boundary { return br.current }

// Index is the position of the current feature in the file, from 0.
func (br *BoundaryReader) Index() int { return br.index }

// Err is the error that stopped reading, if any.
func (br *BoundaryReader) Err() error { return br.err }

// seekFeatures moves the decoder to the first element of the top-level "features" array.
func (br *BoundaryReader) seekFeatures() error {
	if tok, err := br.dec.Token(); err != nil {
		return fmt.Errorf("not a GeoJSON FeatureCollection: %w", err)
	} else if tok != json.Delim('{') {
		return fmt.Errorf("not a GeoJSON FeatureCollection: the file does not start with an object")
	}
	found, err := br.readMembers()
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf(`no "features" array`)
	}
	return nil
}

// checkTail reads the members after the features array, which a file may
// put there too, and the end of the file.
func (br *BoundaryReader) checkTail() error {
	if found, err := br.readMembers(); err != nil {
		return err
	} else if found {
		return fmt.Errorf(`a second "features" array`)
	}
	if _, err := br.dec.Token(); err != nil { // the closing }
		return fmt.Errorf("after the features: %w", err)
	}
	if _, err := br.dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the end of the FeatureCollection")
	}
	return nil
}

// readMembers checks the FeatureCollection's members up to the "features"
// array (then found is true, and the decoder stands at its first element) or
// to the end of the object.
func (br *BoundaryReader) readMembers() (found bool, err error) {
	for br.dec.More() {
		tok, err := br.dec.Token()
		if err != nil {
			return false, fmt.Errorf("not a GeoJSON FeatureCollection: %w", err)
		}
		switch tok {
		case "features":
			if tok, err := br.dec.Token(); err != nil || tok != json.Delim('[') {
				return false, fmt.Errorf(`"features" is not an array`)
			}
			return true, nil
		case "type":
			var t string
			if err := br.dec.Decode(&t); err != nil || t != "FeatureCollection" {
				return false, fmt.Errorf(`"type" is %q; want "FeatureCollection"`, t)
			}
		case "crs":
			if err := br.checkCRS(); err != nil {
				return false, err
			}
		default:
			var skip json.RawMessage
			if err := br.dec.Decode(&skip); err != nil {
				return false, fmt.Errorf("not a GeoJSON FeatureCollection: %w", err)
			}
		}
	}
	return false, nil
}

// lonLatCRSNames are the names of coordinate systems with lon/lat axes in degrees on WGS 84.
var lonLatCRSNames = []string{"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"}

// checkCRS accepts the old-style "crs" member only when it names WGS 84 lon/lat.
func (br *BoundaryReader) checkCRS() error {
	var crs struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := br.dec.Decode(&crs); err != nil {
		return fmt.Errorf(`unreadable "crs": %w`, err)
	}
	if !slices.Contains(lonLatCRSNames, crs.Properties.Name) {
		return fmt.Errorf("coordinates are in %q; reproject to WGS 84 lon/lat (EPSG:4326) first, e.g. ogr2ogr -t_srs EPSG:4326", crs.Properties.Name)
	}
	return nil
}

func boundaryFromFeature(f *geojson.FeatureOf[boundaryProperties]) (Boundary, error) {
	p := f.Properties
	var b Boundary
	if p.Kode == nil {
		return b, fmt.Errorf(`missing property "kode"`)
	}
	code, err := ParseCode(*p.Kode)
	if err != nil || !isDotted(*p.Kode) {
		return b, fmt.Errorf("kode %q is not a Kemendagri code with dots like 36.72.01.1001", *p.Kode)
	}
	b.Code = code
	if p.Nama == nil || *p.Nama == "" {
		return b, fmt.Errorf(`missing property "nama"`)
	}
	b.Name = *p.Nama
	level := code.Level()
	b.Kind = code.Kind()
	if p.Jenis != nil {
		if !slices.Contains(KindsOf(level), *p.Jenis) {
			return b, fmt.Errorf("jenis %q does not fit a %s (want one of %v)", *p.Jenis, level, KindsOf(level))
		}
		b.Kind = *p.Jenis
	}
	if p.JumlahTPS != nil && *p.JumlahTPS < 0 {
		return b, fmt.Errorf("jumlah_tps is negative (%d)", *p.JumlahTPS)
	}
	b.TPSCount = p.JumlahTPS
	b.KPUCode2024 = p.KodeKPU2024
	b.AncestorNames = map[Level]string{}
	for _, a := range []struct {
		level Level
		code  *string
		name  *string
	}{{Kecamatan, p.KodeKecamatan, p.Kecamatan}, {Kabupaten, p.KodeKabupaten, p.Kabupaten}, {Provinsi, p.KodeProvinsi, p.Provinsi}} {
		if a.level >= level {
			continue
		}
		if a.code != nil && !sameCode(*a.code, code.Ancestor(a.level)) {
			return b, fmt.Errorf("kode_%s %q does not match the code's own %s %s", a.level, *a.code, a.level, code.Ancestor(a.level))
		}
		if a.name != nil && *a.name != "" {
			b.AncestorNames[a.level] = *a.name
		}
	}
	if f.Geometry == nil {
		return b, fmt.Errorf("no geometry")
	}
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		b.Geometry = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		b.Geometry = g
	default:
		return b, fmt.Errorf("geometry is a %s; want Polygon or MultiPolygon", f.Geometry.GeoJSONType())
	}
	return b, checkPolygons(b.Geometry)
}

// sameCode tells whether s, with or without dots, is the code c.
func sameCode(s string, c Code) bool {
	parsed, err := ParseCode(s)
	return err == nil && parsed == c
}

func isDotted(s string) bool { return len(s) <= 2 || slices.Contains([]byte(s), '.') }

// checkPolygons refuses what no repair can mend: empty parts, open or short
// rings, and coordinates off the globe. Self-intersections are left to the
// database's ST_MakeValid.
func checkPolygons(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return fmt.Errorf("geometry is empty")
	}
	for pi, poly := range mp {
		if len(poly) == 0 {
			return fmt.Errorf("polygon %d is empty", pi)
		}
		for ri, ring := range poly {
			if len(ring) < 4 {
				return fmt.Errorf("polygon %d ring %d has %d points; a ring needs at least 4", pi, ri, len(ring))
			}
			if ring[0] != ring[len(ring)-1] {
				return fmt.Errorf("polygon %d ring %d is not closed (first point %v, last %v)", pi, ri, ring[0], ring[len(ring)-1])
			}
			for _, pt := range ring {
				// Written so that NaN, which compares false to everything, is out of range too.
				if !(pt[0] >= -180 && pt[0] <= 180 && pt[1] >= -90 && pt[1] <= 90) {
					return fmt.Errorf("coordinate [%g, %g] is out of range (want lon -180..180, lat -90..90)", pt[0], pt[1])
				}
			}
		}
	}
	return nil
}
