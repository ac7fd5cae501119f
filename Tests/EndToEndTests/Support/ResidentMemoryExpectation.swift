import Testing

/// `#expect` for a bound on apus's resident memory. Under a sanitizer it checks nothing:
/// RSS then measures the sanitizer (`ApusBinary.residentMemoryIsMeaningful`), and the plain
/// run of the suite checks the bound.
func expectResidentMemory(_ withinBound: Bool, _ comment: @autoclosure () -> Comment, sourceLocation: SourceLocation = #_sourceLocation) {
    guard ApusBinary.residentMemoryIsMeaningful else { return }
    #expect(withinBound, comment(), sourceLocation: sourceLocation)
}
