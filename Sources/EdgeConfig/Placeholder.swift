package enum EdgeConfigPlaceholder {}
