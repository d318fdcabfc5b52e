import Testing
@testable import MeridianHistory
