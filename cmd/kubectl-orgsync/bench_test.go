package main

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/orgsync/orgsync/api/v1alpha1"
)

// BenchmarkTree10000 builds and prints the tree of 10,000 Departments from their objects: what
// tree does after its List returns.
func BenchmarkTree10000(b *testing.B) {
	org, depts := wideChart(10000)
	b.ReportAllocs()
	for b.Loop() {
		c := buildChart(org, depts)
		if err := renderText(io.Discard, c, textOptions{now: fixtureNow}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTree10000JSON is BenchmarkTree10000 with -o json.
func BenchmarkTree10000JSON(b *testing.B) {
	org, depts := wideChart(10000)
	b.ReportAllocs()
	for b.Loop() {
		if err := renderData(io.Discard, buildChart(org, depts), outputJSON); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeDepartmentList10000 decodes a List response of 10,000 Departments as the
// client does: the part of a tree's time spent on the cluster's answer once it has arrived.
func BenchmarkDecodeDepartmentList10000(b *testing.B) {
	_, depts := wideChart(10000)
	list := v1alpha1.DepartmentList{Items: depts}
	list.APIVersion, list.Kind = v1alpha1.GroupVersion.String(), "DepartmentList"
	data, err := json.Marshal(list)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := decodeDepartmentList(bytes.NewReader(data))
		if err != nil || len(out) != len(depts) {
			b.Fatalf("%d Departments, %v", len(out), err)
		}
	}
}
