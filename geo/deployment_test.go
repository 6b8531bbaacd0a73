package geo

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestTPSClassForFollowsTheDesaCategory(t *testing.T) {
	cases := []struct {
		category Category
		want     TPSClass
	}{
		{Rendah, KurangRawan},
		{Sedang, Rawan},
		{Tinggi, SangatRawan},
	}
	for _, c := range cases {
		got, err := TPSClassFor(c.category)
		if err != nil || got != c.want {
			t.Errorf("TPSClassFor(%q) = %q, %v; want %q", c.category, got, err, c.want)
		}
	}
	if _, err := TPSClassFor("sangat_tinggi"); err == nil {
		t.Error("TPSClassFor accepted an unknown category")
	}
}

func TestGuardNeedWithPolresSerang2024Pattern(t *testing.T) {
	// Polres Serang 2024: kurang rawan 2 police per 12 TPS, rawan 2 per 2,
	// sangat rawan 2 per 1; partial groups round up.
	cases := []struct {
		name string
		tps  TPSCounts
		min  int
		want int
	}{
		{"12 kurang rawan TPS are one group", TPSCounts{KurangRawan: 12}, 0, 2},
		{"13 kurang rawan TPS are two groups", TPSCounts{KurangRawan: 13}, 0, 4},        // ceil(13/12)=2 groups * 2
		{"3 rawan TPS are two groups", TPSCounts{Rawan: 3}, 0, 4},                       // ceil(3/2)=2 * 2
		{"2 sangat rawan TPS", TPSCounts{SangatRawan: 2}, 0, 4},                         // 2 * 2
		{"classes add up", TPSCounts{KurangRawan: 12, Rawan: 3, SangatRawan: 2}, 0, 10}, // 2 + 4 + 4
		{"no TPS needs nobody", TPSCounts{}, 0, 0},
		{"no TPS still gets the minimum", TPSCounts{}, 3, 3},
		{"minimum above the pattern", TPSCounts{KurangRawan: 1}, 3, 3},  // max(2, 3)
		{"pattern above the minimum", TPSCounts{SangatRawan: 5}, 3, 10}, // max(10, 3)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PolresSerang2024().Need(c.tps, c.min)
			if err != nil || got != c.want {
				t.Errorf("Need(%v, %d) = %d, %v; want %d", c.tps, c.min, got, err, c.want)
			}
		})
	}
}

func TestGuardNeedRefusesInvalidPatternsAndCounts(t *testing.T) {
	with := func(c TPSClass, p GuardPattern) GuardPatterns {
		g := PolresSerang2024()
		g[c] = p
		return g
	}
	missing := PolresSerang2024()
	delete(missing, Rawan)
	cases := []struct {
		name     string
		patterns GuardPatterns
		tps      TPSCounts
		min      int
		reason   string
	}{
		{"group of zero TPS", with(Rawan, GuardPattern{Police: 2, PerTPS: 0}), TPSCounts{}, 0, "per_tps 0"},
		{"negative police", with(SangatRawan, GuardPattern{Police: -1, PerTPS: 1}), TPSCounts{}, 0, "police -1"},
		{"too many police in a group", with(Rawan, GuardPattern{Police: 1001, PerTPS: 2}), TPSCounts{}, 0, "police 1001 is more than 1000"},
		{"missing class", missing, TPSCounts{}, 0, "rawan is missing"},
		{"unknown class in patterns", with("waspada", GuardPattern{Police: 2, PerTPS: 4}), TPSCounts{}, 0, `"waspada"`},
		{"unknown class in counts", PolresSerang2024(), TPSCounts{"waspada": 1}, 0, `"waspada"`},
		{"negative TPS", PolresSerang2024(), TPSCounts{Rawan: -2}, 0, "-2"},
		{"negative minimum", PolresSerang2024(), TPSCounts{}, -1, "minimum -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.patterns.Need(c.tps, c.min)
			if err == nil || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("Need error = %v, want one naming %s", err, c.reason)
			}
		})
	}
}

func TestDesaTPSClassesEveryTPSOfADesa(t *testing.T) {
	n := func(v int) *int { return &v }
	cases := []struct {
		name     string
		tps      *int
		category Category
		given    TPSCounts
		want     TPSCounts
		by       ClassedBy
	}{
		{"rendah desa: all kurang rawan", n(9), Rendah, nil, TPSCounts{KurangRawan: 9, Rawan: 0, SangatRawan: 0}, ClassedByCategory},
		{"sedang desa: all rawan", n(4), Sedang, nil, TPSCounts{KurangRawan: 0, Rawan: 4, SangatRawan: 0}, ClassedByCategory},
		{"tinggi desa: all sangat rawan", n(7), Tinggi, nil, TPSCounts{KurangRawan: 0, Rawan: 0, SangatRawan: 7}, ClassedByCategory},
		{"no score: counted kurang rawan", n(5), "", nil, TPSCounts{KurangRawan: 5, Rawan: 0, SangatRawan: 0}, ClassedUnscored},
		{"no TPS count: nothing to class", nil, Tinggi, nil, TPSCounts{KurangRawan: 0, Rawan: 0, SangatRawan: 0}, ClassedNoTPS},
		{"planner's count wins over the category", n(4), Rendah, TPSCounts{Rawan: 3, SangatRawan: 1},
			TPSCounts{KurangRawan: 0, Rawan: 3, SangatRawan: 1}, ClassedByPlanner},
		{"planner's count where the stored one is unknown", nil, "", TPSCounts{KurangRawan: 12},
			TPSCounts{KurangRawan: 12, Rawan: 0, SangatRawan: 0}, ClassedByPlanner},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, by, err := DesaTPS(c.tps, c.category, c.given)
			if err != nil || !reflect.DeepEqual(got, c.want) || by != c.by {
				t.Errorf("DesaTPS = %v, %s, %v; want %v, %s", got, by, err, c.want, c.by)
			}
		})
	}
}

func TestDesaTPSRefusesCountsThatDoNotAddUp(t *testing.T) {
	n := func(v int) *int { return &v }
	cases := []struct {
		name   string
		tps    *int
		given  TPSCounts
		reason string
	}{
		{"more than the desa has", n(4), TPSCounts{Rawan: 3, SangatRawan: 2}, "add up to 5 TPS; the desa has 4"},
		{"fewer than the desa has", n(4), TPSCounts{Rawan: 3}, "add up to 3 TPS; the desa has 4"},
		{"negative count", n(4), TPSCounts{Rawan: 6, SangatRawan: -2}, "sangat_rawan TPS -2"},
		{"counts that would overflow", nil, TPSCounts{KurangRawan: 1 << 62, Rawan: 1 << 62, SangatRawan: 1 << 62}, "kurang_rawan TPS 4611686018427387904"},
		{"unknown class", n(4), TPSCounts{"waspada": 4}, `"waspada"`},
		{"too many where the count is unknown", nil, TPSCounts{Rawan: 600, SangatRawan: 401}, "add up to 1001 TPS, more than the 1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := DesaTPS(c.tps, Rendah, c.given)
			if err == nil || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("DesaTPS error = %v, want one saying %s", err, c.reason)
			}
		})
	}
}

const (
	desaA Code = "36.04.01.2001"
	desaB Code = "36.04.01.2002"
	desaC Code = "36.04.01.2003"
)

func TestAllocateHandComputedCases(t *testing.T) {
	cases := []struct {
		name               string
		available, reserve int
		desa               []DesaNeed
		want               map[Code]int
		unallocated        int
		shortfall          int
		minimumShortfall   int
	}{
		{
			// need 10+8+4 = 22 <= 30-5 = 25: everyone gets the need, 3 left over.
			name: "need covered leaves the surplus unallocated", available: 30, reserve: 5,
			desa: []DesaNeed{{Code: desaA, Need: 10}, {Code: desaB, Need: 8}, {Code: desaC, Need: 4}},
			want: map[Code]int{desaA: 10, desaB: 8, desaC: 4}, unallocated: 3,
		},
		{
			// B's need 1 counts as its minimum 3: 5+3 = 8 <= 10.
			name: "minimum above need raises the need", available: 10,
			desa: []DesaNeed{{Code: desaA, Need: 5}, {Code: desaB, Need: 1, Min: 3}},
			want: map[Code]int{desaA: 5, desaB: 3}, unallocated: 2,
		},
		{
			// pool 10, need 15: quotas 70/15=4.67, 50/15=3.33, 30/15=2; floors 4+3+2 = 9,
			// the last one to A (remainder 10/15).
			name: "proportional to need by largest remainder", available: 12, reserve: 2,
			desa: []DesaNeed{{Code: desaA, Need: 7}, {Code: desaB, Need: 5}, {Code: desaC, Need: 3}},
			want: map[Code]int{desaA: 5, desaB: 3, desaC: 2}, shortfall: 5,
		},
		{
			// quotas 80/15, 50/15, 20/15 all leave 5/15: the last one goes to the heaviest, B.
			name: "equal remainders go to the higher weight", available: 10,
			desa: []DesaNeed{{Code: desaA, Need: 8, Weight: 1}, {Code: desaB, Need: 5, Weight: 9}, {Code: desaC, Need: 2, Weight: 1}},
			want: map[Code]int{desaA: 5, desaB: 4, desaC: 1}, shortfall: 5,
		},
		{
			// as above with equal weights: the last one goes to the lowest code, A.
			name: "equal remainders and weights go to the lower code", available: 10,
			desa: []DesaNeed{{Code: desaC, Need: 2, Weight: 4}, {Code: desaB, Need: 5, Weight: 4}, {Code: desaA, Need: 8, Weight: 4}},
			want: map[Code]int{desaA: 6, desaB: 3, desaC: 1}, shortfall: 5,
		},
		{
			// Plain shares would be 6, 2, 2. B's 10*10/50 = 2 < 3: held at 3, 7 left for
			// need 40; C's 7*10/40 = 1.75 < 2: held at 2, 5 left for A's need 30: A gets 5.
			name: "desa below their minimum are held there and the rest shared again", available: 10,
			desa: []DesaNeed{{Code: desaA, Need: 30}, {Code: desaB, Need: 10, Min: 3}, {Code: desaC, Need: 10, Min: 2}},
			want: map[Code]int{desaA: 5, desaB: 3, desaC: 2}, shortfall: 40,
		},
		{
			// minimums 9 > 5: by larger need, A and C (10) before B (4), C (weight 2)
			// before A (weight 1): C 3, A 2, B 0. Shortfall 24-5 = 19, minimums 1+3 = 4.
			name: "minimums beyond the personnel go to the largest need first", available: 5,
			desa: []DesaNeed{{Code: desaA, Need: 10, Min: 3, Weight: 1}, {Code: desaB, Need: 4, Min: 3, Weight: 5}, {Code: desaC, Need: 10, Min: 3, Weight: 2}},
			want: map[Code]int{desaA: 2, desaB: 0, desaC: 3}, shortfall: 19, minimumShortfall: 4,
		},
		{
			name: "no desa leaves everything but the reserve unallocated", available: 100, reserve: 10,
			want: map[Code]int{}, unallocated: 90,
		},
		{
			name: "nothing available", available: 0,
			desa: []DesaNeed{{Code: desaA, Need: 4}},
			want: map[Code]int{desaA: 0}, shortfall: 4,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Allocate(c.available, c.reserve, c.desa)
			if err != nil {
				t.Fatal(err)
			}
			got := map[Code]int{}
			for _, d := range a.Desa {
				got[d.Code] = d.Allocated
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("allocated %v, want %v", got, c.want)
			}
			if a.Unallocated != c.unallocated || a.Shortfall != c.shortfall || a.MinimumShortfall != c.minimumShortfall {
				t.Errorf("unallocated %d, shortfall %d, minimum shortfall %d; want %d, %d, %d",
					a.Unallocated, a.Shortfall, a.MinimumShortfall, c.unallocated, c.shortfall, c.minimumShortfall)
			}
		})
	}
}

func TestAllocateStatesEachDesaShortfall(t *testing.T) {
	// pool 10 over needs 7, 5, 3 gives 5, 3, 2 (see the hand-computed cases).
	a, err := Allocate(10, 0, []DesaNeed{{Code: desaA, Need: 7}, {Code: desaB, Need: 5}, {Code: desaC, Need: 3}})
	if err != nil {
		t.Fatal(err)
	}
	want := []DesaAllocation{
		{Code: desaA, Need: 7, Allocated: 5, Shortfall: 2},
		{Code: desaB, Need: 5, Allocated: 3, Shortfall: 2},
		{Code: desaC, Need: 3, Allocated: 2, Shortfall: 1},
	}
	if !reflect.DeepEqual(a.Desa, want) || a.Need != 15 || a.Allocated != 10 || a.Shortfall != 5 {
		t.Errorf("got %+v", a)
	}
}

func TestAllocateRefusesBadInput(t *testing.T) {
	cases := []struct {
		name               string
		available, reserve int
		desa               []DesaNeed
		reason             string
	}{
		{"reserve larger than available", 10, 11, nil, "reserve 11 is larger than the 10 available"},
		{"negative available", -1, 0, nil, "available -1"},
		{"negative reserve", 10, -1, nil, "reserve -1"},
		{"bad code", 10, 0, []DesaNeed{{Code: "36.04.x"}}, "desa 1"},
		{"kecamatan code", 10, 0, []DesaNeed{{Code: desaA}, {Code: "36.04.01"}}, "desa 2: code 36.04.01 is a kecamatan"},
		{"same desa twice", 10, 0, []DesaNeed{{Code: desaA}, {Code: "3604012001"}}, "36.04.01.2001 is listed twice"},
		{"negative need", 10, 0, []DesaNeed{{Code: desaA, Need: -3}}, "need -3"},
		{"negative minimum", 10, 0, []DesaNeed{{Code: desaA, Min: -1}}, "minimum -1"},
		{"weight not a number", 10, 0, []DesaNeed{{Code: desaA, Weight: math.NaN()}}, "finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Allocate(c.available, c.reserve, c.desa)
			if err == nil || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("error = %v, want one saying %q", err, c.reason)
			}
		})
	}
}

func TestAllocateIsIndependentOfInputOrder(t *testing.T) {
	// Equal needs, weights and remainders everywhere: only the codes decide.
	var desa []DesaNeed
	for i := range 9 {
		desa = append(desa, DesaNeed{Code: Code("36.04.01." + string(rune('1'+i)) + "001"), Need: 3, Min: 1, Weight: 50})
	}
	want, err := Allocate(20, 0, desa) // 27 needed: each 20*3/27 = 2.2, the 2 left to the two lowest codes
	if err != nil {
		t.Fatal(err)
	}
	if want.Desa[0].Allocated != 3 || want.Desa[1].Allocated != 3 || want.Desa[2].Allocated != 2 {
		t.Fatalf("ties went to %+v, want the two lowest codes", want.Desa)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for range 50 {
		rng.Shuffle(len(desa), func(i, j int) { desa[i], desa[j] = desa[j], desa[i] })
		got, err := Allocate(20, 0, desa)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffled input gave %+v, %v; want %+v", got, err, want)
		}
	}
}

func TestAllocateInvariantsOverRandomInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 14))
	for iter := range 2000 {
		n := rng.IntN(25)
		desa := make([]DesaNeed, n)
		for i := range desa {
			desa[i] = DesaNeed{
				Code:   Code("36.04." + string(rune('1'+i%5)) + "0." + string(rune('1'+i/5)) + "001"),
				Need:   rng.IntN(40),
				Min:    rng.IntN(4),
				Weight: float64(rng.IntN(3)),
			}
		}
		available := rng.IntN(700)
		reserve := rng.IntN(available + 1)
		a, err := Allocate(available, reserve, desa)
		if err != nil {
			t.Fatalf("case %d: %v", iter, err)
		}
		pool := available - reserve
		need, mins := 0, 0
		byCode := map[Code]DesaNeed{}
		for _, d := range desa {
			need += max(d.Need, d.Min)
			mins += d.Min
			byCode[d.Code] = d
		}
		proportional := mins <= pool && need > pool && !anyMinimumHeld(desa, pool, need)
		sum := 0
		for i, d := range a.Desa {
			in := byCode[d.Code]
			eff := max(in.Need, in.Min)
			sum += d.Allocated
			switch {
			case i > 0 && a.Desa[i-1].Code >= d.Code:
				t.Fatalf("case %d: desa not in code order", iter)
			case d.Allocated < 0 || d.Allocated > eff:
				t.Fatalf("case %d: %s got %d of need %d", iter, d.Code, d.Allocated, eff)
			case mins <= pool && d.Allocated < in.Min:
				t.Fatalf("case %d: %s got %d below minimum %d", iter, d.Code, d.Allocated, in.Min)
			case need <= pool && d.Allocated != eff:
				t.Fatalf("case %d: %s got %d, not its need %d, though %d were free", iter, d.Code, d.Allocated, eff, pool)
			case d.Shortfall != eff-d.Allocated:
				t.Fatalf("case %d: %s shortfall %d, want %d", iter, d.Code, d.Shortfall, eff-d.Allocated)
			case proportional && (d.Allocated*need >= pool*eff+need || d.Allocated*need < pool*eff-need+1):
				// a largest-remainder share is the floor or the ceiling of the quota pool*eff/need
				t.Fatalf("case %d: %s got %d, a whole one or more from its quota %d*%d/%d", iter, d.Code, d.Allocated, pool, eff, need)
			}
		}
		wantSum := min(need, pool)
		if sum != wantSum || a.Allocated != sum || a.Reserve+a.Allocated+a.Unallocated != available || a.Shortfall != need-sum {
			t.Fatalf("case %d: allocated %d (reported %d, unallocated %d, shortfall %d), want %d of pool %d, need %d",
				iter, sum, a.Allocated, a.Unallocated, a.Shortfall, wantSum, pool, need)
		}
	}
}

// anyMinimumHeld tells whether some desa's plain proportional quota falls
// below its minimum, so that the others' shares shrink below their quotas.
func anyMinimumHeld(desa []DesaNeed, pool, need int) bool {
	for _, d := range desa {
		if pool*max(d.Need, d.Min) < d.Min*need {
			return true
		}
	}
	return false
}

func TestAllocationSumsToKecamatanKabupatenAndProvinsi(t *testing.T) {
	// pool 7, need 4+3+5+2 = 14: quotas 2, 1.5, 2.5, 1; floors 6, the last one to the
	// lower code of the two halves, 36.01.01.2002: allocations 2, 2, 2, 1.
	a, err := Allocate(7, 0, []DesaNeed{
		{Code: "36.02.01.2001", Need: 2},
		{Code: "36.01.02.2001", Need: 5},
		{Code: "36.01.01.2002", Need: 3},
		{Code: "36.01.01.2001", Need: 4},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		level Level
		want  []AreaAllocation
	}{
		{Kecamatan, []AreaAllocation{
			{Code: "36.01.01", Desa: 2, Need: 7, Allocated: 4, Shortfall: 3},
			{Code: "36.01.02", Desa: 1, Need: 5, Allocated: 2, Shortfall: 3},
			{Code: "36.02.01", Desa: 1, Need: 2, Allocated: 1, Shortfall: 1},
		}},
		{Kabupaten, []AreaAllocation{
			{Code: "36.01", Desa: 3, Need: 12, Allocated: 6, Shortfall: 6},
			{Code: "36.02", Desa: 1, Need: 2, Allocated: 1, Shortfall: 1},
		}},
		{Provinsi, []AreaAllocation{{Code: "36", Desa: 4, Need: 14, Allocated: 7, Shortfall: 7}}},
	}
	for _, c := range cases {
		if got := a.ByLevel(c.level); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ByLevel(%s) = %+v, want %+v", c.level, got, c.want)
		}
	}
	if got, _ := Allocate(7, 0, nil); got.ByLevel(Kabupaten) != nil {
		t.Errorf("no desa summed to %+v, want no areas", got.ByLevel(Kabupaten))
	}
}
