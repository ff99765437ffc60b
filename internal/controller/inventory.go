package controller

import (
	"time"

	"github.com/orgsync/orgsync/internal/inventory"
	"github.com/orgsync/orgsync/internal/provider"
)

// The Organization's remote chart, its listings, its change events and the guard against moves
// that close a loop are package inventory's; its package comment states what they guarantee.

// remoteView is what one reconcile needs of the chart (an inventory.View), in the decisions'
// terms.
type remoteView struct {
	complete bool
	// listStarted is when the listing the chart rests on began: writes answered before it show in
	// the chart as the remote system holds them, not as orgsync wrote them. prevListStarted is
	// when the complete listing before it began: a write answered between the two is shown for
	// the first time.
	listStarted, prevListStarted time.Time
	self                         *provider.Department
	parent                       *provider.Department
	// children are the keys under the department, sorted.
	children []string
	// siblingsVersion counts the changes under the desired parent and under the remote one.
	siblingsVersion uint64
	// parentBelow, when the desired parent is remotely inside the department's own subtree (a
	// move that the remote system would refuse as a cycle until that parent moves out), is the
	// remote path from the department down to that parent.
	parentBelow []string
}

func remoteViewOf(v inventory.View) remoteView {
	return remoteView{
		complete: v.Complete, listStarted: v.ListStarted, prevListStarted: v.PrevListStarted,
		self: v.Self, parent: v.Parent, children: v.Children, siblingsVersion: v.SiblingsVersion, parentBelow: v.ParentBelow,
	}
}
