extension PulseDeviceModel {
    /// The device as a crossbar reads it: continuous (no levels) over [gMin, gMax] µS with this
    /// device's read noise; writes of the initial state land with the RESET spread as their
    /// programming error. Initial conductances are drawn in the lowest 20 % of the window (our
    /// assumption: a PCM pair starts near RESET, where the pulse steps are largest).
    public var readModel: DeviceModel {
        DeviceModel(name: name, levels: 0, gMinMicroSiemens: gMinMicroSiemens, gMaxMicroSiemens: gMaxMicroSiemens,
                    readVoltage: readVoltage, programmingSigmaMicroSiemens: resetSigmaMicroSiemens,
                    readSigmaMicroSiemens: readSigmaMicroSiemens, maxWriteTrials: 1,
                    initialMaxMicroSiemens: gMinMicroSiemens + 0.2 * (gMaxMicroSiemens - gMinMicroSiemens))
    }
}

extension PulseDeviceModel {
    /// The average step of one pulse on a nominal, noiseless device over its working range
    /// (gMin up to the refresh level), µS: that range divided by the pulses it takes.
    ///
    /// This is the granularity ε of the pulse-count rule `n = trunc(ΔW/ε)`: Nandakumar et al.
    /// (2020) take ε as the average conductance change per pulse, so that n pulses move a
    /// weight by n·ε on average. (The first step from gMin, ``nominalStepMicroSiemens``, is
    /// about 6.6× larger for `pcm-nandakumar2020`; using it would shrink every update by that
    /// factor on average.)
    public var averageStepMicroSiemens: Double {
        guard let n = nominalPulseCount(toFraction: refreshThreshold), n > 0 else { return nominalStepMicroSiemens }
        return (refreshLevelMicroSiemens - gMinMicroSiemens) / Double(n)
    }
}
