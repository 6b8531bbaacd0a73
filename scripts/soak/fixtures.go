package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// place is an admin unit the mix asks about: its code (with dots), its name
// and a point inside it.
type place struct {
	code, name string
	lon, lat   float64
}

// fixtures is what the mix draws its parameters from, read from the server
// itself, so that the generator needs nothing but its URL.
type fixtures struct {
	election                   string
	phases                     []string
	kabupaten, kecamatan, desa []place
}

// loadFixtures reads the latest election's phases and every kabupaten,
// kecamatan and desa (the items as CSV: code, name and a point inside).
func loadFixtures(ctx context.Context, client *http.Client, base string) (*fixtures, error) {
	var f fixtures
	var elections struct {
		Elections []struct {
			Code   string
			Phases []struct{ Code string }
		}
	}
	if err := fetch(ctx, client, base+"/elections", func(body io.Reader) error {
		return json.NewDecoder(body).Decode(&elections)
	}); err != nil {
		return nil, err
	}
	if len(elections.Elections) == 0 {
		return nil, fmt.Errorf("%s/elections lists no election", base)
	}
	f.election = elections.Elections[0].Code
	for _, p := range elections.Elections[0].Phases {
		f.phases = append(f.phases, p.Code)
	}
	for _, level := range []struct {
		collection string
		places     *[]place
	}{{"kabupaten", &f.kabupaten}, {"kecamatan", &f.kecamatan}, {"desa", &f.desa}} {
		items := base + "/collections/" + level.collection + "/items?f=csv&properties=code,name&limit=10000"
		if err := fetch(ctx, client, items, func(body io.Reader) error {
			var err error
			*level.places, err = readPlaces(body)
			return err
		}); err != nil {
			return nil, err
		}
		if len(*level.places) == 0 {
			return nil, fmt.Errorf("%s: no %s; load boundaries first", items, level.collection)
		}
	}
	return &f, nil
}

// readPlaces reads items as CSV with the columns code, name, lon, lat.
func readPlaces(body io.Reader) ([]place, error) {
	rows, err := csv.NewReader(body).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || !slices.Equal(rows[0], []string{"code", "name", "lon", "lat"}) {
		return nil, fmt.Errorf("want the CSV columns code,name,lon,lat")
	}
	var places []place
	for i, row := range rows[1:] {
		lon, errLon := strconv.ParseFloat(row[2], 64)
		lat, errLat := strconv.ParseFloat(row[3], 64)
		if errLon != nil || errLat != nil {
			return nil, fmt.Errorf("line %d: lon/lat %q, %q", i+2, row[2], row[3])
		}
		places = append(places, place{code: row[0], name: row[1], lon: lon, lat: lat})
	}
	return places, nil
}

// fetch GETs url and hands a 200's body to read.
func fetch(ctx context.Context, client *http.Client, url string, read func(io.Reader) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	if err := read(res.Body); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// setPhase sets a phase on q for three requests in four; the others get the
// server's default (the latest election's last phase).
func (f *fixtures) setPhase(r *rand.Rand, q url.Values) {
	if r.IntN(4) != 0 {
		q.Set("phase", pick(r, f.phases))
	}
}
