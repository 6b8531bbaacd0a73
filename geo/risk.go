package geo

import (
	"encoding/json"
	"fmt"
	"math"
)

// Category is the class of a composite risk score.
type Category string

const (
	Rendah Category = "rendah"
	Sedang Category = "sedang"
	Tinggi Category = "tinggi"
)

// Categories lists the categories from low to high.
var Categories = []Category{Rendah, Sedang, Tinggi}

// Thresholds are the lowest scores of the sedang and tinggi categories. The
// ones in use are stored per level (migrations/00004_catalogue.sql: the IKP
// 2024 ones by default) and reach scoring through the Model.
type Thresholds struct {
	Sedang float64 `json:"sedang"`
	Tinggi float64 `json:"tinggi"`
}

// Categorize classes a score: tinggi at or above t.Tinggi, sedang at or above t.Sedang.
func (t Thresholds) Categorize(score float64) Category {
	switch {
	case score >= t.Tinggi:
		return Tinggi
	case score >= t.Sedang:
		return Sedang
	default:
		return Rendah
	}
}

// Dimension is one of the four IKP dimensions.
type Dimension int

const (
	SocialPolitical Dimension = iota // konteks sosial-politik
	Administration                   // penyelenggaraan
	Contestation                     // kontestasi
	Participation                    // partisipasi
)

// Dimensions lists the four IKP dimensions in Bawaslu's order.
var Dimensions = []Dimension{SocialPolitical, Administration, Contestation, Participation}

var dimensionNames = map[Dimension]string{
	SocialPolitical: "social_political", Administration: "administration",
	Contestation: "contestation", Participation: "participation",
}

// String is the dimension's name in the API and the database (social_political, ...).
func (d Dimension) String() string { return dimensionNames[d] }

// ParseDimension reads a dimension's name.
func ParseDimension(s string) (Dimension, bool) {
	for d, name := range dimensionNames {
		if name == s {
			return d, true
		}
	}
	return 0, false
}

func (d Dimension) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Dimension) UnmarshalText(b []byte) error {
	v, ok := ParseDimension(string(b))
	if !ok {
		return fmt.Errorf("unknown dimension %q", b)
	}
	*d = v
	return nil
}

// DimensionWeights weigh the four dimensions in a composite, in the order of
// Dimensions; in JSON an object keyed by dimension name.
type DimensionWeights [4]float64

func (w DimensionWeights) MarshalJSON() ([]byte, error) {
	m := make(map[Dimension]float64, len(w))
	for _, d := range Dimensions {
		m[d] = w[d]
	}
	return json.Marshal(m)
}

func (w *DimensionWeights) UnmarshalJSON(b []byte) error {
	var m map[Dimension]float64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*w = DimensionWeights{}
	for d, v := range m {
		w[d] = v
	}
	return nil
}

// Score is a composite risk score with its four dimension scores, all 0-100.
type Score struct {
	Composite  float64
	Dimensions [4]float64
}

// round2 rounds to the two decimals scores are stored with.
func round2(x float64) float64 { return math.Round(x*100) / 100 }
