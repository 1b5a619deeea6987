import CIMData
import CIMTrain

/// MNIST, loaded once for all training tests.
let mnistSplits = Result { try DatasetCatalog.load(.mnist) }

/// MNIST cut to the configuration's train and test limits.
func limitedData(_ c: TrainingConfig) throws -> DatasetSplits {
    var d = try mnistSplits.get()
    d.train = d.train.prefix(c.trainLimit!)
    d.test = d.test.prefix(c.testLimit!)
    return d
}
