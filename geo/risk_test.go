package geo

import (
	"math"
	"testing"
)

func TestCategorizeAtAndJustBelowProvinsiThresholds(t *testing.T) {
	// Bawaslu IKP 2024, provinsi: tinggi >= 68.5, sedang >= 21.7 (DOMAIN.md).
	th := shippedThresholds()[Provinsi]
	cases := []struct {
		score float64
		want  Category
	}{
		{0, Rendah},
		{21.69, Rendah},
		{math.Nextafter(21.7, 0), Rendah},
		{21.7, Sedang},
		{66.53, Sedang}, // Banten province, IKP 2024
		{68.49, Sedang},
		{math.Nextafter(68.5, 0), Sedang},
		{68.5, Tinggi},
		{100, Tinggi},
	}
	for _, c := range cases {
		if got := th.Categorize(c.score); got != c.want {
			t.Errorf("provinsi Categorize(%v) = %q, want %q", c.score, got, c.want)
		}
	}
}

func TestCategorizeAtAndJustBelowKabupatenThresholds(t *testing.T) {
	// Bawaslu IKP 2024, kabupaten/kota: tinggi >= 49.33, sedang >= 13.47 (DOMAIN.md).
	th := shippedThresholds()[Kabupaten]
	cases := []struct {
		score float64
		want  Category
	}{
		{0, Rendah},
		{13.46, Rendah},
		{math.Nextafter(13.47, 0), Rendah},
		{13.47, Sedang},
		{49.32, Sedang},
		{math.Nextafter(49.33, 0), Sedang},
		{49.33, Tinggi},
		{53.32, Tinggi}, // Kota Serang, IKP 2024
		{58.78, Tinggi}, // Kab. Lebak
		{77.74, Tinggi}, // Kab. Pandeglang
		{100, Tinggi},
	}
	for _, c := range cases {
		if got := th.Categorize(c.score); got != c.want {
			t.Errorf("kabupaten Categorize(%v) = %q, want %q", c.score, got, c.want)
		}
	}
}

func TestSameScoreIsSedangForProvinsiButTinggiForKabupaten(t *testing.T) {
	// 55 lies between the kabupaten tinggi threshold (49.33) and the provinsi one (68.5).
	if got := shippedThresholds()[Provinsi].Categorize(55); got != Sedang {
		t.Errorf("provinsi Categorize(55) = %q, want sedang", got)
	}
	if got := shippedThresholds()[Kabupaten].Categorize(55); got != Tinggi {
		t.Errorf("desa Categorize(55) = %q, want tinggi", got)
	}
}
