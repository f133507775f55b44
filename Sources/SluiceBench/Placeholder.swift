enum _PlaceholderSluiceBench {}
