package geo

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
)

// TPSClass is how vulnerable a TPS is for guarding: it sets how many police a
// group of TPS needs.
type TPSClass string

const (
	KurangRawan TPSClass = "kurang_rawan"
	Rawan       TPSClass = "rawan"
	SangatRawan TPSClass = "sangat_rawan"
)

// TPSClasses lists the classes from least to most vulnerable.
var TPSClasses = []TPSClass{KurangRawan, Rawan, SangatRawan}

// TPSClassFor is the default class of every TPS in a desa, from the category
// of the desa's composite score: rendah -> kurang_rawan, sedang -> rawan,
// tinggi -> sangat_rawan. It is only a default: police class each TPS
// themselves, and a planner who has their list should count it with TPSCounts.
func TPSClassFor(c Category) (TPSClass, error) {
	switch c {
	case Rendah:
		return KurangRawan, nil
	case Sedang:
		return Rawan, nil
	case Tinggi:
		return SangatRawan, nil
	}
	return "", fmt.Errorf("unknown category %q", c)
}

// TPSCounts counts a desa's TPS per class.
type TPSCounts map[TPSClass]int

// Total is the number of TPS counted, over every class.
func (t TPSCounts) Total() int {
	n := 0
	for _, v := range t {
		n += v
	}
	return n
}

// MaxDesaTPS bounds the TPS a planner gives a desa, in each class and in all
// where the stored count is unknown: the most any desa had in Pemilu 2024 was 451.
const MaxDesaTPS = 1000

// ClassedBy tells how a desa's TPS were classed for a plan.
type ClassedBy string

const (
	// ClassedByCategory: every TPS takes the class of the desa's score category (TPSClassFor).
	ClassedByCategory ClassedBy = "category"
	// ClassedByPlanner: the planner gave the desa's TPS per class.
	ClassedByPlanner ClassedBy = "planner"
	// ClassedUnscored: the desa has no score in the phase; its TPS count as kurang_rawan.
	ClassedUnscored ClassedBy = "unscored"
	// ClassedNoTPS: the desa's TPS count is unknown; it has no TPS to guard and needs only the minimum.
	ClassedNoTPS ClassedBy = "no_tps"
)

// DesaTPS classes a desa's TPS for a plan, every class present in the
// result. Counts the planner gives win, and must add up to the desa's TPS
// (tps, nil when unknown; then at most MaxDesaTPS). Otherwise all the desa's
// TPS take the class of its category; with no category (no score) they count
// as kurang_rawan, the lightest guard any TPS gets, so that a desa's TPS are
// never left out of the need for want of a score; with no TPS count there is
// nothing to class.
func DesaTPS(tps *int, category Category, given TPSCounts) (TPSCounts, ClassedBy, error) {
	out := TPSCounts{KurangRawan: 0, Rawan: 0, SangatRawan: 0}
	if given != nil {
		for _, c := range slices.Sorted(maps.Keys(given)) {
			if _, err := ParseTPSClass(string(c)); err != nil {
				return nil, "", err
			}
			if given[c] < 0 || given[c] > MaxDesaTPS {
				return nil, "", fmt.Errorf("%s TPS %d is not a whole number from 0 to %d", c, given[c], MaxDesaTPS)
			}
			out[c] = given[c]
		}
		switch total := out.Total(); {
		case tps != nil && total != *tps:
			return nil, "", fmt.Errorf("the classes add up to %d TPS; the desa has %d", total, *tps)
		case tps == nil && total > MaxDesaTPS:
			return nil, "", fmt.Errorf("the classes add up to %d TPS, more than the %d a desa can have", total, MaxDesaTPS)
		}
		return out, ClassedByPlanner, nil
	}
	switch {
	case tps == nil:
		return out, ClassedNoTPS, nil
	case *tps < 0:
		return nil, "", fmt.Errorf("TPS count %d must not be negative", *tps)
	case category == "":
		out[KurangRawan] = *tps
		return out, ClassedUnscored, nil
	}
	c, err := TPSClassFor(category)
	if err != nil {
		return nil, "", err
	}
	out[c] = *tps
	return out, ClassedByCategory, nil
}

// GuardPattern is how many police guard a group of PerTPS TPS of one class.
type GuardPattern struct {
	Police int `json:"police"`
	PerTPS int `json:"per_tps"`
}

// GuardPatterns give the pattern of every TPS class.
type GuardPatterns map[TPSClass]GuardPattern

// PolresSerang2024 is the guard pattern of Polres Serang for Pemilu 2024
// (DOMAIN.md): kurang rawan 2 police per 12 TPS, rawan 2 per 2, sangat rawan 2 per 1.
func PolresSerang2024() GuardPatterns {
	return GuardPatterns{
		KurangRawan: {Police: 2, PerTPS: 12},
		Rawan:       {Police: 2, PerTPS: 2},
		SangatRawan: {Police: 2, PerTPS: 1},
	}
}

// MaxGroupPolice bounds the police of one guard group, which keeps the sums
// of a national plan far from overflowing.
const MaxGroupPolice = 1000

// Validate checks that every class has a pattern, with 0 to MaxGroupPolice
// police and groups of at least one TPS, and that no other class is named.
func (g GuardPatterns) Validate() error {
	for _, c := range TPSClasses {
		p, ok := g[c]
		switch {
		case !ok:
			return fmt.Errorf("guard pattern for %s is missing", c)
		case p.Police < 0:
			return fmt.Errorf("guard pattern for %s: police %d must not be negative", c, p.Police)
		case p.Police > MaxGroupPolice:
			return fmt.Errorf("guard pattern for %s: police %d is more than %d per group", c, p.Police, MaxGroupPolice)
		case p.PerTPS < 1:
			return fmt.Errorf("guard pattern for %s: per_tps %d must be at least 1", c, p.PerTPS)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(g)) { // sorted: the same patterns name the same fault
		if _, err := ParseTPSClass(string(c)); err != nil {
			return fmt.Errorf("guard pattern: %w", err)
		}
	}
	return nil
}

// ParseTPSClass reads a class name (kurang_rawan, rawan, sangat_rawan).
func ParseTPSClass(s string) (TPSClass, error) {
	for _, c := range TPSClasses {
		if string(c) == s {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown TPS class %q (kurang_rawan, rawan or sangat_rawan)", s)
}

// Need is how many police a desa's TPS need: for each class,
// ceil(TPS / PerTPS) groups of Police, summed, and at least min. Groups round
// up because the last, partial group still has to be guarded (13 kurang rawan
// TPS are two groups of 2 police); groups do not span desa or classes.
func (g GuardPatterns) Need(tps TPSCounts, min int) (int, error) {
	if err := g.Validate(); err != nil {
		return 0, err
	}
	if min < 0 {
		return 0, fmt.Errorf("minimum %d must not be negative", min)
	}
	need := 0
	for c, n := range tps {
		p, ok := g[c]
		if !ok {
			return 0, fmt.Errorf("unknown TPS class %q", c)
		}
		if n < 0 {
			return 0, fmt.Errorf("%s TPS %d must not be negative", c, n)
		}
		need += (n + p.PerTPS - 1) / p.PerTPS * p.Police
	}
	return max(need, min), nil
}

// DesaNeed is one desa's claim on the personnel: its Need, the Min it must get,
// and a Weight (for example its composite score) that breaks ties.
type DesaNeed struct {
	Code   Code    `json:"code"`
	Need   int     `json:"need"`
	Min    int     `json:"min"`
	Weight float64 `json:"weight"`
}

// DesaAllocation is what one desa gets. Its Need is at least its Min, and its
// Shortfall is Need - Allocated.
type DesaAllocation struct {
	Code      Code `json:"code"`
	Need      int  `json:"need"`
	Min       int  `json:"min"`
	Allocated int  `json:"allocated"`
	Shortfall int  `json:"shortfall"`
}

// Allocation is a plan for the personnel available: Reserve + Allocated +
// Unallocated = Available. Shortfall is the need left uncovered and
// MinimumShortfall the part of the minimums left uncovered.
type Allocation struct {
	Available        int              `json:"available"`
	Reserve          int              `json:"reserve"`
	Need             int              `json:"need"`
	Allocated        int              `json:"allocated"`
	Unallocated      int              `json:"unallocated"`
	Shortfall        int              `json:"shortfall"`
	MinimumShortfall int              `json:"minimum_shortfall"`
	Desa             []DesaAllocation `json:"desa"`
}

// Allocate spreads the personnel available, less the reserve kept back, over
// the desa. The result, in code order, depends only on the set of desa, not
// their order. A desa's need counts as at least its minimum.
//   - Need covered: every desa gets its need; the surplus stays Unallocated.
//   - Minimums not covered: minimums are met in order of larger need, then
//     higher weight, then lower code, until the personnel run out.
//   - Otherwise every desa gets a share proportional to its need, by the
//     largest-remainder (Hamilton) method: the floor of its quota, then one
//     more to the largest remainders, ties to higher weight then lower code.
//     A desa whose quota is below its minimum is held at the minimum and the
//     rest is shared again among the others, until no quota is below a
//     minimum. Shares sum exactly to Available - Reserve and none exceeds its need.
func Allocate(available, reserve int, desa []DesaNeed) (Allocation, error) {
	switch {
	case available < 0:
		return Allocation{}, fmt.Errorf("available %d must not be negative", available)
	case reserve < 0:
		return Allocation{}, fmt.Errorf("reserve %d must not be negative", reserve)
	case reserve > available:
		return Allocation{}, fmt.Errorf("reserve %d is larger than the %d available", reserve, available)
	}
	ds, err := sortedNeeds(desa)
	if err != nil {
		return Allocation{}, err
	}
	pool := available - reserve
	a := Allocation{Available: available, Reserve: reserve, Desa: make([]DesaAllocation, len(ds))}
	totalMin := 0
	for i, d := range ds {
		a.Desa[i] = DesaAllocation{Code: d.Code, Need: d.Need, Min: d.Min}
		a.Need += d.Need
		totalMin += d.Min
	}
	switch {
	case a.Need <= pool:
		for i := range a.Desa {
			a.Desa[i].Allocated = a.Desa[i].Need
		}
	case totalMin > pool:
		allocateMinimums(pool, ds, a.Desa)
	default:
		allocateProportionally(pool, ds, a.Desa)
	}
	for i := range a.Desa {
		d := &a.Desa[i]
		d.Shortfall = d.Need - d.Allocated
		a.Allocated += d.Allocated
		a.Shortfall += d.Shortfall
		a.MinimumShortfall += max(d.Min-d.Allocated, 0)
	}
	a.Unallocated = pool - a.Allocated
	return a, nil
}

// sortedNeeds checks the needs and returns them in code order, codes written
// with dots and each need raised to its minimum.
func sortedNeeds(desa []DesaNeed) ([]DesaNeed, error) {
	ds := make([]DesaNeed, len(desa))
	for i, d := range desa {
		c, err := ParseCode(string(d.Code))
		switch {
		case err != nil:
			return nil, fmt.Errorf("desa %d: %w", i+1, err)
		case c.Level() != Desa:
			return nil, fmt.Errorf("desa %d: code %s is a %s, not a desa", i+1, c, c.Level())
		case d.Need < 0:
			return nil, fmt.Errorf("desa %s: need %d must not be negative", d.Code, d.Need)
		case d.Min < 0:
			return nil, fmt.Errorf("desa %s: minimum %d must not be negative", d.Code, d.Min)
		case math.IsNaN(d.Weight) || math.IsInf(d.Weight, 0):
			return nil, fmt.Errorf("desa %s: weight must be a finite number", d.Code)
		}
		d.Code = c
		d.Need = max(d.Need, d.Min)
		ds[i] = d
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Code < ds[j].Code })
	for i := 1; i < len(ds); i++ {
		if ds[i].Code == ds[i-1].Code {
			return nil, fmt.Errorf("desa %s is listed twice", ds[i].Code)
		}
	}
	return ds, nil
}

// allocateMinimums meets minimums in order of larger need, higher weight,
// lower code while the pool lasts.
func allocateMinimums(pool int, ds []DesaNeed, out []DesaAllocation) {
	order := indices(len(ds))
	sort.Slice(order, func(x, y int) bool {
		i, j := order[x], order[y]
		if ds[i].Need != ds[j].Need {
			return ds[i].Need > ds[j].Need
		}
		return heavierFirst(ds, i, j)
	})
	for _, i := range order {
		out[i].Allocated = min(ds[i].Min, pool)
		pool -= out[i].Allocated
	}
}

// allocateProportionally shares pool (less than the total need, at least the
// total minimum) in proportion to need, holding desa at their minimums.
func allocateProportionally(pool int, ds []DesaNeed, out []DesaAllocation) {
	held := make([]bool, len(ds))
	rest, restNeed := pool, 0
	for _, d := range ds {
		restNeed += d.Need
	}
	// Holding a desa lowers the share per unit of need of the others, so
	// repeat until no quota rest*need/restNeed falls below a minimum.
	for changed := true; changed; {
		changed = false
		r, rn := rest, restNeed
		for i, d := range ds {
			if !held[i] && int64(r)*int64(d.Need) < int64(d.Min)*int64(rn) {
				held[i] = true
				rest -= d.Min
				restNeed -= d.Need
				changed = true
			}
		}
	}
	remainders := make([]int64, len(ds))
	var shared []int
	left := rest
	for i, d := range ds {
		if held[i] {
			out[i].Allocated = d.Min
			continue
		}
		q := int64(rest) * int64(d.Need)
		out[i].Allocated = int(q / int64(restNeed))
		remainders[i] = q % int64(restNeed)
		left -= out[i].Allocated
		shared = append(shared, i)
	}
	sort.Slice(shared, func(x, y int) bool {
		i, j := shared[x], shared[y]
		if remainders[i] != remainders[j] {
			return remainders[i] > remainders[j]
		}
		return heavierFirst(ds, i, j)
	})
	for _, i := range shared[:left] {
		out[i].Allocated++
	}
}

// heavierFirst orders by higher weight, then lower code.
func heavierFirst(ds []DesaNeed, i, j int) bool {
	if ds[i].Weight != ds[j].Weight {
		return ds[i].Weight > ds[j].Weight
	}
	return ds[i].Code < ds[j].Code
}

func indices(n int) []int {
	ix := make([]int, n)
	for i := range ix {
		ix[i] = i
	}
	return ix
}

// AreaAllocation sums the allocation of the desa in one area.
type AreaAllocation struct {
	Code      Code `json:"code"`
	Desa      int  `json:"desa"`
	Need      int  `json:"need"`
	Min       int  `json:"min"`
	Allocated int  `json:"allocated"`
	Shortfall int  `json:"shortfall"`
}

// ByLevel sums the allocation per enclosing unit at level l (kecamatan,
// kabupaten, provinsi), in code order.
func (a Allocation) ByLevel(l Level) []AreaAllocation {
	var areas []AreaAllocation
	for _, d := range a.Desa { // in code order, so each area's desa are adjacent
		code := d.Code.Ancestor(l)
		if len(areas) == 0 || areas[len(areas)-1].Code != code {
			areas = append(areas, AreaAllocation{Code: code})
		}
		s := &areas[len(areas)-1]
		s.Desa++
		s.Need += d.Need
		s.Min += d.Min
		s.Allocated += d.Allocated
		s.Shortfall += d.Shortfall
	}
	return areas
}
