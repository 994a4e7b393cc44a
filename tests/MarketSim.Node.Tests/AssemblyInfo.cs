// The specs start node processes on one broker and machine; run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
