// Package inventory keeps the remote chart of each Organization orgsync syncs: what its latest
// complete listing showed, with every successful write of orgsync's applied on top
// (write-through). Departments decide existence, parent presence, drift and adoption from it
// instead of reading departments one at a time; the Organization lists it every sync period.
//
// An Inventory has five concerns under one lock, each in its own file: the chart (chart.go:
// View, SiblingNamed, Put, Created, Remove), listing coordination and the writes under way
// (listing.go: ListedSince, WriteStarted, CreateNeedsListing), change versions and the changes
// it announces (changes.go), wake-up registrations (wakeups.go: Watch) and the guard against moves
// that close a loop (moves.go: Update). Inventories holds one per Organization and publishes
// their changes to the Department controller.
//
// # Invariants
//
// Each names, in parentheses, the test that holds it.
//
// Listings:
//   - One listing at a time: callers that want the chart no older than a time share the listing
//     under way, or make one (TestInventoryListsOnceForConcurrentCallers).
//   - A listing that fails changes nothing: the chart stays what the last complete listing showed,
//     and a chart never listed completely stays incomplete (Complete false: nothing is concluded
//     from it). A failure answers the callers of the same connection for ListRetry rather than a
//     listing each; a new connection (rotated credentials) lists at once
//     (TestInventoryFailedListingIsNoInventory).
//   - Write-through: a successful write is in the chart at once, and one made while a listing
//     runs is applied again on its result, which may or may not show it
//     (TestInventoryWritesDuringAListingSurviveIt). A write keeps what only a listing knows (the
//     remote ID) and a category it did not send (TestInventoryPutKeepsWhatOnlyTheListingKnows).
//   - Nothing is removed on a disturbed listing: a listing that overlapped a remote write at any
//     moment (started before it or during it) shows what exists, not what is gone, so a department
//     it lacks stays unless orgsync deleted it meanwhile; the next undisturbed listing settles it
//     (TestInventoryListingDisturbedByAWriteForgetsNothing).
//   - Nothing is removed on an incomplete listing: one whose pages did not add up
//     (provider.PartialListingError) adds and updates what it read and concludes nothing else; it
//     is an error when there is no complete chart yet, and when it is the quiet listing (the
//     remote system's own pages did not add up) (TestInventoryPartialListingConcludesNothing).
//   - A write is judged only on a complete listing that started after it: ListStarted, the start
//     of the listing the chart rests on, and PrevListStarted move with complete listings only;
//     a partial listing answers callers that want a listing no older than its start, but moves
//     neither (TestInventoryAdvancesListStartedOnlyWithCompleteListings).
//   - Quiet listing after QuietAfter (2) missed runs: after that many listings in a row that
//     concluded nothing about departments they lacked (a write disturbed them and they lacked
//     some, or their pages did not add up), the next one first waits for the writes under way,
//     and new writes wait for it at most their maxWait each
//     (*httpretry.LimitedError: the worker requeues) (TestInventoryQuietListingHoldsWritesBackAtMostMaxWait).
//     So the absence of a department is settled within QuietAfter+1 listings however busy the
//     chart is (TestInventoryConfirmsAbsenceWhileWritesKeepFlowing).
//   - A create for a Department born after the listing the chart rests on waits for a newer
//     listing, unless orgsync has created a department since that listing began
//     (TestInventoryCreateNeedsListing).
//
// Changes and wake-ups:
//   - Every change under a parent key (a department appearing, going, changing or moving in or
//     out) counts under that key, under its old parent and its new one, so that View's
//     SiblingsVersion tells whether a department's siblings changed
//     (TestInventoryCountsChangesUnderBothParents).
//   - A change names the keys, their parents and the Departments to wake, and says whether
//     orgsync's own write made it (Change.Written) (TestInventoryAnnouncesChanges).
//   - A change is announced when it names a key or a Department to wake, and only then (a listing
//     that shows the chart as it was announces nothing); a Department that watches a parent key
//     is woken at the next change under it, and the watch is spent (one that watches several
//     keys may be woken again by a later change under another)
//     (TestInventoryWakesAWatcherOnceAndAnnouncesOnlyChanges). A move ending unmade and a listing
//     settling a lost one wake the watchers under the new parent too, without counting as a
//     change.
//   - No wake-up is missed between looking and watching: Watch takes when the look the decision
//     to wait was made from was taken (View's and MoveWaitsError's Seq), and wakes the Department
//     at once when a wake-up came under its keys since
//     (TestInventoryWatchMissesNoChangeBetweenLookingAndWatching). A wake-up that changes nothing
//     (a move ending unmade, a listing settling a lost one) leaves SiblingsVersion as it was, so
//     a refused name that depends on it still stands
//     (TestInventoryWakeUpsThatChangeNothingLeaveSiblingsVersion).
//
// Moves:
//   - View's ParentBelow is the remote path from a department down to its desired parent when
//     that parent is inside its subtree (TestInventoryViewFindsAParentInsideTheSubtree).
//   - A move is made only through Update, which checks it, as it starts, against the moves under
//     way: two moves decided together cannot close a loop neither makes alone; the second waits
//     (*MoveWaitsError) and is woken when the first ends unmade
//     (TestInventoryStartsNoMoveThatAMoveUnderWayTurnsIntoACycle).
//   - A move whose answer was lost (provider.ErrTransient, or a write that panicked) counts as
//     possibly made until a listing that started after it shows the department
//     (TestInventoryHoldsAnUndecidedMoveUntilAListingTells); neither a listing already under way
//     when the answer was lost nor one whose pages did not add up and that lacks the department
//     settles it (TestInventorySettlesALostMoveOnlyByALaterListingThatReadIt). The guard ends
//     however the write ends (TestInventoryUpdateEndsTheMoveHoweverTheWriteEnds). A new move of
//     the same department does not undo an undecided one: both count until a listing that started
//     after the newest ended tells, or until a later move is made, which wakes the Departments
//     waiting under the earlier parents (TestInventoryANewMoveKeepsAnEarlierUndecidedOne). A
//     department's moves are made one at a time (the Department that holds its key is reconciled
//     one at a time): Update's caller keeps it so.
//
// Events:
//   - The inventories' changes and the deletion budget's wake-ups reach their controllers through
//     one policy, package coalesce: the publisher never waits, a subscriber's pending events are
//     bounded by their keys (an Organization, and whether orgsync's write made the change), a
//     change published while one is pending is merged into it, each key, parent and watcher once,
//     and no event is dropped (TestInventoriesCoalesceChangesPerOrganization,
//     coalesce.TestQueueCoalescesForABusyReaderAndDropsNothing).
package inventory
