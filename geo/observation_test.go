package geo

import (
	"strings"
	"testing"
	"time"
)

func TestObservationCSVIsReadByColumnNameWithProblemsByLine(t *testing.T) {
	csv := "\ufeffvalue,indicator,unit_code,election,phase,source,observed_at,tps\n" +
		"1,tps_dpt_bermasalah,36.01.01.2001,pemilu-2024,kampanye,kpu,2024-01-21T10:00:00+07:00,3\n" +
		"lots,riwayat_konflik_massa,3601012001,pemilu-2024,kampanye,bawaslu,2024-01-20T10:00:00+07:00,\n" +
		"0,riwayat_konflik_massa,3601012001,pemilu-2024,kampanye,bawaslu,2024-01-20T10:00:00+07:00,0\n" +
		"\"0.75\",partisipasi_pemilu_lalu,3601012001,pemilu-2024,kampanye,kpu,2024-01-20T10:00:00+07:00,\n"
	got, problems, err := ReadObservationsCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].TPS != 3 || *got[0].Value != 1 || got[0].Line != 2 || got[1].Line != 5 || *got[1].Value != 0.75 {
		t.Errorf("read %+v, want line 2 (TPS 3, value 1) and line 5 (0.75)", got)
	}
	want := []string{"line 3, value: \"lots\" is not a number", "line 4, tps: \"0\" is not a TPS number (1, 2, ...)"}
	if len(problems) != len(want) {
		t.Fatalf("problems %v, want %v", problems, want)
	}
	for i, p := range problems {
		if p.String() != want[i] {
			t.Errorf("problem %d: %q, want %q", i, p, want[i])
		}
	}
}

func TestObservationCSVHeaderProblemsAreNamedOnLineOne(t *testing.T) {
	cases := map[string]string{
		"":                             "line 1: the file is empty",
		"indicator,unit_code,weight\n": "line 1, weight: unknown column",
		"indicator,indicator,unit_code,election,phase\n":                "line 1, indicator: column appears twice",
		"indicator,unit_code,election,phase,value,source\n":             "line 1, observed_at: column is missing",
		"indicator,unit_code,election,phase,value,source,observed_at\n": "line 2: no observations after the header",
	}
	for csv, want := range cases {
		_, problems, err := ReadObservationsCSV(strings.NewReader(csv))
		if err != nil || len(problems) == 0 || !strings.HasPrefix(problems[len(problems)-1].String(), want) && !strings.HasPrefix(problems[0].String(), want) {
			t.Errorf("%q: problems %v, error %v; want one starting %q", csv, problems, err, want)
		}
	}
}

func TestObservationCSVWithBrokenQuotingIsAnErrorNamingTheLine(t *testing.T) {
	_, _, err := ReadObservationsCSV(strings.NewReader("indicator,unit_code,election,phase,value,source,observed_at\n\"x,y\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "line 2") {
		t.Errorf("error %v, want one naming line 2", err)
	}
}

func TestObservationCheckNamesEachFaultyField(t *testing.T) {
	now := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	v, neg := 1.0, -2.0
	good := ObservationInput{Indicator: "riwayat_konflik_massa", UnitCode: "3601012001", Election: "pemilu-2024", Phase: "kampanye",
		Value: &v, Source: "polres", ObservedAt: "2024-01-20T10:00:00+07:00"}
	code, at, problems := good.Check(now, 1)
	if len(problems) != 0 || code != "36.01.01.2001" || !at.Equal(time.Date(2024, 1, 20, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("a good observation: %s %s %v", code, at, problems)
	}
	cases := []struct {
		change func(o *ObservationInput)
		field  string
	}{
		{func(o *ObservationInput) { o.Indicator = "" }, "indicator"},
		{func(o *ObservationInput) { o.UnitCode = "36.01.01" }, "unit_code"},
		{func(o *ObservationInput) { o.UnitCode = "36.01.01.20x1" }, "unit_code"},
		{func(o *ObservationInput) { o.TPS = -1 }, "tps"},
		{func(o *ObservationInput) { o.Election = "" }, "election"},
		{func(o *ObservationInput) { o.Phase = "" }, "phase"},
		{func(o *ObservationInput) { o.Value = nil }, "value"},
		{func(o *ObservationInput) { o.Value = &neg }, "value"},
		{func(o *ObservationInput) { o.Source = "demo" }, "source"},
		{func(o *ObservationInput) { o.Source = "twitter" }, "source"},
		{func(o *ObservationInput) { o.ObservedAt = "2024-01-20 10:00" }, "observed_at"},
		{func(o *ObservationInput) { o.ObservedAt = "2024-03-02T00:00:00Z" }, "observed_at"},
		{func(o *ObservationInput) { o.Note = strings.Repeat("é", MaxNoteLength+1) }, "note"},
	}
	for _, c := range cases {
		o := good
		c.change(&o)
		_, _, problems := o.Check(now, 7)
		if len(problems) != 1 || problems[0].Field != c.field || problems[0].Item != 7 {
			t.Errorf("%+v: problems %v, want one for item 7 field %s", o, problems, c.field)
		}
	}
}

func FuzzReadObservationsCSV(f *testing.F) {
	f.Add("indicator,unit_code,election,phase,value,source,observed_at,tps,note\nx,36.01.01.2001,e,p,1,kpu,2024-01-01T00:00:00Z,2,\"a, b\"\n")
	f.Add("indicator,unit_code\n\"x\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		got, problems, err := ReadObservationsCSV(strings.NewReader(text))
		if err != nil {
			return
		}
		for _, p := range problems {
			if p.Line < 1 {
				t.Errorf("problem %v names no line", p)
			}
		}
		for _, o := range got {
			if o.Line < 2 {
				t.Errorf("observation %+v read from line %d, before the first data line", o, o.Line)
			}
			o.Check(time.Now(), 1) // must not panic
		}
	})
}
