package main

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// Node kinds of the machine-readable tree.
const (
	kindDepartment = "Department"
	// kindParent is a parent key that no Department of the Organization holds.
	kindParent = "Parent"
)

// treeDocument is the tree as -o json and -o yaml print it.
type treeDocument struct {
	Organization organizationSummary `json:"organization"`
	Counts       countsSummary       `json:"counts"`
	// Tree holds the top-level departments, then the parents that no Department holds.
	Tree []treeNode `json:"tree"`
	// Cycles are loops of parentExternalKey, which the tree cannot hold.
	Cycles []cycleDocument `json:"cycles"`
}

type organizationSummary struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Ready     bool   `json:"ready"`
	Reason    string `json:"reason"`
	Message   string `json:"message,omitempty"`
	// Departments are the counts the manager last recorded in the Organization's status.
	Departments v1alpha1.DepartmentCounts `json:"departments"`
	Inventory   *v1alpha1.InventoryStatus `json:"inventory,omitempty"`
	Deletions   *v1alpha1.DeletionStatus  `json:"deletions,omitempty"`
}

type countsSummary struct {
	// Total, Ready and NotReady (by reason) count the Departments listed now.
	Total    int            `json:"total"`
	Ready    int            `json:"ready"`
	NotReady map[string]int `json:"notReady"`
	// Unmanaged is how many remote departments no Department claims (status.inventory), when
	// the remote chart has been listed.
	Unmanaged *int32 `json:"unmanaged,omitempty"`
	// RemoteParents is how many parents that no Department holds are known to exist remotely.
	RemoteParents int `json:"remoteParents"`
}

type treeNode struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
	// Name is the department's display name (spec.name).
	Name string `json:"name,omitempty"`
	// Object is the Department's metadata.name.
	Object       string `json:"object,omitempty"`
	DisplayOrder string `json:"displayOrder,omitempty"`
	Ready        *bool  `json:"ready,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Message      string `json:"message,omitempty"`
	// Drift is what a Drifted condition says differs.
	Drift *driftDocument `json:"drift,omitempty"`
	// DuplicateKey: another Department holds this key; the key's children are under it.
	DuplicateKey bool `json:"duplicateKey,omitempty"`
	// Remote, on a Parent, is whether it exists remotely: exists, missing or unknown.
	Remote   string     `json:"remote,omitempty"`
	Children []treeNode `json:"children"`
	// Folded counts the departments below that --depth leaves out.
	Folded int `json:"folded,omitempty"`
}

type driftDocument struct {
	Absent bool     `json:"absent,omitempty"`
	Fields []string `json:"fields,omitempty"`
}

type cycleDocument struct {
	// Keys is the loop, the first key repeated at its end.
	Keys []string `json:"keys"`
	// Members are the Departments of the loop, each with the subtree that hangs below it.
	Members []treeNode `json:"members"`
}

// document turns c into its machine-readable form.
func document(c *chart) treeDocument {
	org := c.org
	doc := treeDocument{
		Organization: organizationSummary{
			Name: org.Name, Namespace: org.Namespace,
			Ready: c.orgStatus.ready, Reason: c.orgStatus.reason, Message: c.orgStatus.message,
			Departments: org.Status.Departments, Inventory: org.Status.Inventory, Deletions: org.Status.Deletions,
		},
		Counts: countsSummary{Total: c.counts.total, Ready: c.counts.ready, NotReady: c.counts.notReady, RemoteParents: c.remoteParents},
		Tree:   make([]treeNode, 0, len(c.roots)),
		Cycles: make([]cycleDocument, 0, len(c.cycles)),
	}
	if inv := org.Status.Inventory; inv != nil {
		doc.Counts.Unmanaged = &inv.Unmanaged
	}
	for _, n := range c.roots {
		doc.Tree = append(doc.Tree, nodeDocument(n))
	}
	for _, cy := range c.cycles {
		cd := cycleDocument{Keys: cy.keys(), Members: make([]treeNode, 0, len(cy.members))}
		for _, m := range cy.members {
			cd.Members = append(cd.Members, nodeDocument(m))
		}
		doc.Cycles = append(doc.Cycles, cd)
	}
	return doc
}

func nodeDocument(n *node) treeNode {
	t := treeNode{Kind: kindParent, Key: n.key, Children: make([]treeNode, 0, len(n.children)), Folded: n.folded}
	if d := n.dept; d != nil {
		ready := n.readiness.ready
		t.Kind, t.Name, t.Object, t.DisplayOrder = kindDepartment, d.Spec.Name, d.Name, displayOrder(d)
		t.Ready, t.Reason, t.Message, t.DuplicateKey = &ready, n.readiness.reason, n.readiness.message, n.duplicate
		if n.drift != nil {
			t.Drift = &driftDocument{Absent: n.drift.absent, Fields: n.drift.fields}
		}
	} else {
		t.Remote = string(n.remote)
	}
	for _, c := range n.children {
		if !c.inCycle {
			t.Children = append(t.Children, nodeDocument(c))
		}
	}
	return t
}

// renderData prints c as JSON or YAML.
func renderData(w io.Writer, c *chart, format string) error {
	data, err := json.MarshalIndent(document(c), "", "    ")
	if err != nil {
		return fmt.Errorf("encoding the tree: %w", err)
	}
	if format == outputYAML {
		if data, err = yaml.JSONToYAML(data); err != nil {
			return fmt.Errorf("encoding the tree: %w", err)
		}
	} else {
		data = append(data, '\n')
	}
	_, err = w.Write(data)
	return err
}
