import Testing
import VigilDetect
import VigilML

@Suite struct RobustProfileTests {
    @Test func medianAndGuardedMADPerFeature() {
        let profile = RobustProfile(fitting: Matrix([[0, 5], [1, 5], [2, 5], [3, 5], [100, 5]]))
        // Column 0: median 2, absolute deviations 2, 1, 0, 1, 98 → MAD 1. Column 1 never moved:
        // its spread is the floor, not zero.
        #expect(profile.median == [2, 5])
        #expect(abs(profile.scale[0] - 1.4826) < 1e-12)
        #expect(profile.scale[1] == RobustProfile.minimumScale)
    }
}
