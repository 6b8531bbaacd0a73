package data

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/petarawan/petarawan/geo"
)

// Vector tiles are built by PostGIS (ST_AsMVTGeom, ST_AsMVT) from the
// geometry of admin_unit_tile: EPSG:3857, generalised per zoom band by the
// migration and the import (refresh_admin_unit_tile), so that a tile query
// neither transforms nor clips more vertices than its zoom shows.

const (
	// TileExtent is the size of a tile in its own integer coordinates.
	TileExtent = 4096
	// tileBuffer is how far, in tile coordinates, features reach past the
	// tile's edge, so that lines and symbols meet seamlessly at the edges.
	tileBuffer = 64
)

// incidentLayer is the layer, and collection, of the incidents; h3Layer the layer of H3 cells.
const (
	incidentLayer = "insiden"
	h3Layer       = "h3"
)

// TileRequest asks for one tile of one collection: the units of an admin
// level with their scores in an election phase, or the incidents.
type TileRequest struct {
	Tile geo.Tile
	// Level is the admin level whose units the tile holds; 0 asks for the
	// incidents, or for H3 cells when H3 is set.
	Level geo.Level
	// H3 asks for the H3 cells of resolution H3Res (0: the zoom's, geo.H3ResolutionForZoom).
	H3    bool
	H3Res int
	// Election and Phase name the scores joined to the units; for the
	// incidents they are filters ("": any), as are Time and Types (nil: any).
	Election, Phase string
	Time            geo.TimeRange
	Types           []string
}

// Layer is the name of the tile's one layer: the collection's id.
func (r TileRequest) Layer() string {
	if r.H3 {
		return h3Layer
	}
	if r.Level == 0 {
		return incidentLayer
	}
	return r.Level.String()
}

// MinZoom is the first zoom whose tiles hold the request's features; tiles
// of coarser zooms are empty.
func (r TileRequest) MinZoom() int {
	if r.H3Res != 0 {
		// A fixed resolution starts where the tiles by zoom show at most one
		// resolution coarser: below, a tile would hold hundreds of thousands of cells.
		z := geo.H3MinZoom
		for geo.H3ResolutionForZoom(z) < r.H3Res-1 {
			z++
		}
		return z
	}
	if r.H3 {
		return geo.H3MinZoom
	}
	if r.Level == 0 {
		return geo.IncidentMinZoom
	}
	return geo.MinZoom(r.Level)
}

// res is the H3 resolution of an H3 tile.
func (r TileRequest) res() int {
	if r.H3Res != 0 {
		return r.H3Res
	}
	return geo.H3ResolutionForZoom(r.Tile.Z)
}

// Key names the tile and everything that selects its content, so that equal
// requests have equal keys (a cache's key, with the data version).
func (r TileRequest) Key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%d/%d/%d?election=%s&phase=%s", r.Layer(), r.Tile.Z, r.Tile.X, r.Tile.Y, r.Election, r.Phase)
	if r.H3 {
		fmt.Fprintf(&b, "&res=%d", r.res())
	}
	if r.Time.From != nil {
		fmt.Fprintf(&b, "&from=%d", r.Time.From.UnixMicro())
	}
	if r.Time.Until != nil {
		fmt.Fprintf(&b, "&until=%d", r.Time.Until.UnixMicro())
	}
	if r.Types != nil {
		b.WriteString("&types=" + strings.Join(slices.Sorted(slices.Values(r.Types)), ","))
	}
	return b.String()
}

// TileAttributes lists the attributes of the features of a layer (an admin
// level, or 0 for the incidents), in the types MVT gives them: top_threats
// is a comma-separated string, as MVT has no arrays.
func TileAttributes(l geo.Level) []Property { return tileLayers[l].attributes }

// tileLayer is what a layer's features carry: the attributes, and the SQL
// columns that select them in the types MVT encodes (numeric would become a string).
type tileLayer struct {
	attributes []Property
	columns    string
}

// newTileLayer selects the named properties as tile attributes.
func newTileLayer(props []Property, names ...string) tileLayer {
	var t tileLayer
	var cols []string
	for _, name := range names {
		p := props[slices.IndexFunc(props, func(p Property) bool { return p.Name == name })]
		expr := p.expr
		switch p.Type {
		case "number":
			expr = "(" + expr + ")::float8"
		case "integer":
			expr = "(" + expr + ")::int"
		case "array":
			expr = "array_to_string(" + expr + ", ',')"
			p.Type, p.Description = "string", p.Description+"; comma-separated"
		}
		cols = append(cols, expr+" AS "+p.Name)
		t.attributes = append(t.attributes, p)
	}
	t.columns = strings.Join(cols, ", ")
	return t
}

var tileLayers = func() map[geo.Level]tileLayer {
	layers := map[geo.Level]tileLayer{0: newTileLayer(incidentProperties, "id", "type", "type_name", "occurred_at", "desa_code", "demo")}
	for _, l := range geo.Levels {
		layers[l] = newTileLayer(Properties(l), "code", "name", "score", "category", "score_social_political", "score_administration",
			"score_contestation", "score_participation", "top_threats", "tps_count", "demo")
	}
	return layers
}()

// h3TileLayer is what the cells of the H3 tiles carry.
var h3TileLayer = newTileLayer(h3Properties, "h3", "res", "score", "score_tps", "score_max", "category", "tps",
	"desa_count", "rendah", "sedang", "tinggi", "covered_fraction", "demo")

// Attributes lists the attributes of the features of the request's layer.
func (r TileRequest) Attributes() []Property {
	if r.H3 {
		return h3TileLayer.attributes
	}
	return tileLayers[r.Level].attributes
}

// tileBinder binds the values of a tile query as parameters after those
// already bound (args), as IncidentQuery.where binds its own.
type tileBinder struct{ args []any }

func (b *tileBinder) bind(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *tileBinder) envelope(box geo.MercatorBox) string {
	return "ST_MakeEnvelope(" + b.bind(box.MinX) + ", " + b.bind(box.MinY) + ", " + b.bind(box.MaxX) + ", " + b.bind(box.MaxY) + ", 3857)"
}

// Tile features come in a fixed order (code, id, cell), so that the same
// data gives the same bytes, a restored backup included.

// adminTileSQL is the tile of an admin level: the units whose geometry in the
// zoom's band meets the tile with its buffer, clipped and quantised into tile
// coordinates by ST_AsMVTGeom, with their scores in the election phase,
// encoded by ST_AsMVT (which skips the units ST_AsMVTGeom clipped away to
// NULL: a filter on it would compute it twice); beside it, the data version
// it was read at (one statement, one snapshot).
func adminTileSQL(r TileRequest) (string, []any) {
	var b tileBinder
	bounds, lookup := tileBoxes(r.Tile)
	extent := b.bind(TileExtent)
	return `
		SELECT (SELECT version FROM data_version), (
			SELECT ST_AsMVT(f, ` + b.bind(r.Layer()) + `, ` + extent + `, 'geom', 'fid') FROM (
				SELECT u.id AS fid, ` + tileLayers[r.Level].columns + `,
				       ST_AsMVTGeom(t.geom, ` + b.envelope(bounds) + `, ` + extent + `, ` + b.bind(tileBuffer) + `, true) AS geom
				FROM admin_unit_tile t
				JOIN admin_unit u ON u.code = t.code
				LEFT JOIN risk_score r ON r.unit_code = t.code AND r.election_code = ` + b.bind(r.Election) + ` AND r.phase_code = ` + b.bind(r.Phase) + `
				WHERE t.band = (SELECT max(band) FROM tile_band WHERE min_zoom <= ` + b.bind(r.Tile.Z) + `)
				  AND t.level = ` + b.bind(int16(r.Level)) + ` AND t.geom && ` + b.envelope(lookup) + `
				ORDER BY t.code
			) f)`, b.args
}

// incidentTileSQL is the tile of the incidents, built as adminTileSQL's: the
// incidents matching the filters (IncidentQuery's conditions) whose point
// lies in the tile with its buffer. The points are stored in EPSG:4326: the
// box is transformed for the index, the few points for the tile.
func incidentTileSQL(r TileRequest) (string, []any, error) {
	q := IncidentQuery{Election: r.Election, Phase: r.Phase, Time: r.Time, Types: r.Types}
	where, args, err := q.where()
	if err != nil {
		return "", nil, err
	}
	b := tileBinder{args: args}
	bounds, lookup := tileBoxes(r.Tile)
	extent := b.bind(TileExtent)
	return `
		SELECT (SELECT version FROM data_version), (
			SELECT ST_AsMVT(f, ` + b.bind(incidentLayer) + `, ` + extent + `, 'geom', 'fid') FROM (
				SELECT n.id AS fid, ` + tileLayers[0].columns + `,
				       ST_AsMVTGeom(ST_Transform(n.geom, 3857), ` + b.envelope(bounds) + `, ` + extent + `, ` + b.bind(tileBuffer) + `, true) AS geom
				FROM ` + incidentFrom + `
				WHERE ` + where + ` AND n.geom && ST_Transform(` + b.envelope(lookup) + `, 4326)
				ORDER BY n.id
			) f)`, b.args, nil
}

// h3TileSQL is the tile of the H3 cells of the request's resolution, built
// as adminTileSQL's from the cells' stored EPSG:3857 hexagons.
func h3TileSQL(r TileRequest) (string, []any) {
	var b tileBinder
	bounds, lookup := tileBoxes(r.Tile)
	extent := b.bind(TileExtent)
	return `
		SELECT (SELECT version FROM data_version), (
			SELECT ST_AsMVT(f, ` + b.bind(h3Layer) + `, ` + extent + `, 'geom', 'fid') FROM (
				SELECT c.cell AS fid, ` + h3TileLayer.columns + `,
				       ST_AsMVTGeom(c.geom_3857, ` + b.envelope(bounds) + `, ` + extent + `, ` + b.bind(tileBuffer) + `, true) AS geom
				FROM ` + h3From(b.bind(r.Election), b.bind(r.Phase)) + `
				WHERE c.res = ` + b.bind(int16(r.res())) + ` AND c.geom_3857 && ` + b.envelope(lookup) + `
				ORDER BY c.cell
			) f)`, b.args
}

// tileBoxes are the tile's bounds and the box its features are looked up in: the bounds with the buffer.
func tileBoxes(t geo.Tile) (bounds, lookup geo.MercatorBox) {
	bounds = t.Bounds()
	return bounds, bounds.Grow(float64(tileBuffer) / TileExtent)
}

// DataVersion is the number of the data as it is now: it changes with every
// committed write of scores, incidents or units. Reading it costs one row.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.read.QueryRow(ctx, `SELECT version FROM data_version`).Scan(&v)
	return v, err
}

// Tile builds the Mapbox Vector Tile r asks for, and returns it with the data
// version it was read at. A tile without features, or of a zoom coarser than
// the layer's first, is empty: zero bytes, a valid tile without layers.
func (s *Store) Tile(ctx context.Context, r TileRequest) (version int64, mvt []byte, err error) {
	if err := r.Tile.Validate(); err != nil {
		return 0, nil, err
	}
	if r.Tile.Z < r.MinZoom() {
		version, err := s.DataVersion(ctx)
		return version, nil, err
	}
	var sql string
	var args []any
	switch {
	case r.H3:
		top, err := s.currentH3(ctx)
		if err != nil {
			return 0, nil, err
		}
		// Tiles by zoom stop at the finest resolution computed; a fixed one must be computed.
		if r.H3Res == 0 {
			r.H3Res = min(r.res(), top)
		} else if r.H3Res > top {
			return 0, nil, &H3NotComputedError{Res: r.H3Res, MaxRes: top}
		}
		sql, args = h3TileSQL(r)
	case r.Level == 0:
		if sql, args, err = incidentTileSQL(r); err != nil {
			return 0, nil, err
		}
	default:
		sql, args = adminTileSQL(r)
	}
	err = s.read.QueryRow(ctx, sql, args...).Scan(&version, &mvt)
	return version, mvt, err
}

// PointsOnUnits gives up to n points, each on the surface of a unit of level
// l, the units drawn evenly over the codes: places to look at, for load runs.
func (s *Store) PointsOnUnits(ctx context.Context, l geo.Level, n int) ([]orb.Point, error) {
	rows, err := s.read.Query(ctx, `
		SELECT ST_X(p), ST_Y(p) FROM (
			SELECT ST_PointOnSurface(geom) AS p FROM admin_unit WHERE level = $1 ORDER BY md5(code) LIMIT $2) u`, int16(l), n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (orb.Point, error) {
		var p orb.Point
		return p, r.Scan(&p[0], &p[1])
	})
}
