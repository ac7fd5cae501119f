/// Spare arrays a worker lends to busy connections and takes back from idle ones, so that
/// requests allocate nothing in the steady state while idle connections hold no capacity.
///
/// Thread rule: owned by one worker.
struct ArrayShelf<Element> {
    private var spares: [[Element]] = []
    private let maxSpares: Int

    init(maxSpares: Int = 64) {
        self.maxSpares = maxSpares
    }

    /// Gives `array` spare capacity if it has none.
    mutating func lend(to array: inout [Element]) {
        guard array.capacity == 0, let spare = spares.popLast() else { return }
        array = spare
    }

    /// Takes `array`'s storage back (emptied), leaving an array without capacity.
    mutating func reclaim(_ array: inout [Element]) {
        guard array.capacity > 0 else { return }
        var taken: [Element] = []
        swap(&taken, &array)
        guard spares.count < maxSpares else { return }
        taken.removeAll(keepingCapacity: true)
        spares.append(taken)
    }
}
