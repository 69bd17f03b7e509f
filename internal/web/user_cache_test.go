package web

import (
	"testing"
	"time"
)

// TestCacheMapRereadsOnce: a value past userRecheck is read again by one
// caller while the others keep the cached one, up to twice userRecheck; a
// read that began before a forget is not stored.
func TestCacheMapRereadsOnce(t *testing.T) {
	var c cacheMap[string, int]
	t0 := time.Now()
	c.put("k", 1, t0, c.stamp())
	if v, ok := c.get("k", t0.Add(userRecheck/2)); !ok || v != 1 {
		t.Fatalf("fresh value: %d, %v", v, ok)
	}
	late := t0.Add(userRecheck * 3 / 2)
	if _, ok := c.get("k", late); ok {
		t.Fatal("the first caller past userRecheck was not told to read again")
	}
	if v, ok := c.get("k", late); !ok || v != 1 {
		t.Fatalf("a second caller while the first reads: %d, %v", v, ok)
	}
	c.put("k", 2, late, c.stamp())
	if v, ok := c.get("k", late); !ok || v != 2 {
		t.Fatalf("after the read: %d, %v", v, ok)
	}
	if _, ok := c.get("k", late.Add(2*userRecheck)); ok {
		t.Fatal("a value twice userRecheck old was used")
	}

	gen := c.stamp() // a read begins
	c.forget("k")    // a logout
	c.put("k", 3, late, gen)
	if _, ok := c.get("k", late); ok {
		t.Fatal("a read that began before a forget was stored")
	}
}
