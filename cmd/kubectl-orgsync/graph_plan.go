package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/orgsync/orgsync/api/v1alpha1"
	"github.com/orgsync/orgsync/internal/provider"
)

// planContext is what a plan's picture needs besides its changes: where each department is.
type planContext struct {
	// remote is the remote chart as listed; after the Organization's Departments as the apply
	// leaves them.
	remote []provider.Department
	after  []v1alpha1.Department
}

// planGraph draws the part of each Organization's chart its plan touches: every department a
// change is planned for, marked by its change, with its parents up to the top (unchanged ones
// plain), and a move's old parent besides its new one.
func planGraph(plans []organizationPlan) *graph {
	g := &graph{}
	for _, p := range plans {
		if len(p.Changes) == 0 && len(p.Unsupported) == 0 {
			continue
		}
		title := fmt.Sprintf("%s/%s (%s)", p.Namespace, p.Name, p.Provider)
		g.clusters = append(g.clusters, newPlanPicture(p).cluster(title))
	}
	s := summarize(plans)
	g.comments = []string{fmt.Sprintf("orgsync plan: %s, %d cannot be made", s.counts(), s.Unsupported)}
	if len(g.clusters) == 0 {
		g.clusters = []*gcluster{{roots: []*gnode{{lines: []string{"No changes"}, class: classContext}}}}
	}
	return g
}

// planPicture builds one Organization's part of the picture.
type planPicture struct {
	remote map[string]provider.Department
	live   map[string]*v1alpha1.Department
	nodes  map[string]*gnode
	// parent is each drawn key's parent as drawn.
	parent map[string]string
	// moved are the old parents of the moves.
	moved map[string]string
	order []string
}

func newPlanPicture(p organizationPlan) *planPicture {
	pp := &planPicture{remote: map[string]provider.Department{}, live: map[string]*v1alpha1.Department{},
		nodes: map[string]*gnode{}, parent: map[string]string{}, moved: map[string]string{}}
	for _, r := range p.context.remote {
		pp.remote[r.Key] = r
	}
	for i := range p.context.after {
		d := &p.context.after[i]
		if _, taken := pp.live[d.Key()]; d.DeletionTimestamp.IsZero() && !taken {
			pp.live[d.Key()] = d
		}
	}
	for _, c := range p.Changes {
		gone := c.Action == actionDelete || c.Action == actionRelease
		n := pp.add(c.Key, gone)
		n.class, n.lines = changeLook(c, pp.name(c.Key))
		if gone {
			n.edge = edgeGone
		}
		if c.Action == actionMove {
			pp.moved[c.Key] = oldParent(c.Fields)
		}
	}
	for _, u := range p.Unsupported {
		n := pp.add(u.Key, false)
		n.class = classUnsupported
		n.lines = []string{pp.name(u.Key), u.Key, "x cannot " + u.Action + ": " + u.Reason}
	}
	for key, old := range pp.moved {
		if old != "" {
			pp.add(old, false)
		}
		pp.nodes[key].edge, pp.nodes[key].edgeLabel = edgeNew, "moves here"
	}
	return pp
}

// add draws key and its parents up to the top, unchanged ones as context; gone: key's parent is
// where the remote chart has it (a delete or a release), not where a Department puts it.
func (pp *planPicture) add(key string, gone bool) *gnode {
	if n, ok := pp.nodes[key]; ok {
		return n
	}
	n := &gnode{class: classContext, lines: []string{pp.name(key), key}}
	pp.nodes[key] = n
	pp.order = append(pp.order, key)
	parent := pp.remote[key].ParentKey
	if d, ok := pp.live[key]; ok && !gone {
		parent = d.Spec.ParentExternalKey
	}
	if parent != "" && parent != v1alpha1.TopLevelParentKey && !pp.above(parent, key) {
		pp.parent[key] = parent
		pp.add(parent, false)
	}
	return n
}

// above reports whether key is among the drawn parents of from, or from itself: a parent that
// would close a loop is left out.
func (pp *planPicture) above(from, key string) bool {
	for seen := 0; from != "" && seen <= len(pp.parent); seen++ {
		if from == key {
			return true
		}
		from = pp.parent[from]
	}
	return false
}

// name is key's department name: the Department's after the apply, or the remote one's.
func (pp *planPicture) name(key string) string {
	if d, ok := pp.live[key]; ok {
		return d.Spec.Name
	}
	if r, ok := pp.remote[key]; ok {
		return r.Name
	}
	return key
}

// cluster links the drawn nodes into trees, siblings by key, and adds the moves' old parents.
func (pp *planPicture) cluster(title string) *gcluster {
	c := &gcluster{title: title}
	slices.Sort(pp.order)
	for _, key := range pp.order {
		n := pp.nodes[key]
		if parent, ok := pp.parent[key]; ok {
			pp.nodes[parent].children = append(pp.nodes[parent].children, n)
		} else {
			c.roots = append(c.roots, n)
		}
	}
	moves := make([]string, 0, len(pp.moved))
	for key := range pp.moved {
		moves = append(moves, key)
	}
	slices.Sort(moves)
	for _, key := range moves {
		if old := pp.moved[key]; old != "" {
			c.extra = append(c.extra, gedge{from: pp.nodes[old], to: pp.nodes[key], class: edgeOld, label: "moves from"})
		}
	}
	return c
}

// changeLook is how a change is drawn: its class and its lines (the name, or old -> new for a
// rename; the key; the change).
func changeLook(c planChange, name string) (graphClass, []string) {
	lines := []string{name, c.Key}
	var renamed bool
	var fields []string
	for _, f := range c.Fields {
		if f.Field == string(provider.FieldName) && c.Action != actionCreate {
			lines[0] = fmt.Sprint(f.Old) + " → " + fmt.Sprint(f.New)
			renamed = true
		}
		fields = append(fields, f.Field)
	}
	switch c.Action {
	case actionCreate:
		return classCreate, append(lines, "+ create")
	case actionMove:
		return classMove, append(lines, "> move"+adoptNote(c))
	case actionDelete:
		if c.Held != "" {
			return classHeld, append(lines, "- delete, held ("+c.Held+")")
		}
		return classDelete, append(lines, "- delete")
	case actionRelease:
		return classRelease, append(lines, "! release: stays remotely")
	}
	if renamed {
		return classRename, append(lines, "~ rename"+adoptNote(c))
	}
	return classUpdate, append(lines, "~ update "+strings.Join(fields, ", ")+adoptNote(c))
}

func adoptNote(c planChange) string {
	if c.Adopt {
		return ", adopts"
	}
	return ""
}

// oldParent is a move's parent before it.
func oldParent(fields []fieldChange) string {
	for _, f := range fields {
		if f.Field == string(provider.FieldParent) {
			if s, ok := f.Old.(string); ok && s != v1alpha1.TopLevelParentKey {
				return s
			}
		}
	}
	return ""
}
