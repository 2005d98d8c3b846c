package enum EdgeTestSupportPlaceholder {}
