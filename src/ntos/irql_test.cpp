// irql_test.cpp — unit tests for the per-thread IRQL (DESIGN.md "Execution model", seed 003 §2.1).
#include <gtest/gtest.h>

#include <wdm.h>

#include <thread>

#include "ntos/irql.h"
#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using testing::VerifierScope;

TEST(Irql, ThreadsStartAtPassive) {
    KIRQL seen = HIGH_LEVEL;
    std::thread([&] { seen = KeGetCurrentIrql(); }).join();
    EXPECT_EQ(seen, PASSIVE_LEVEL);
}

TEST(Irql, RaiseAndLowerRestore) {
    VerifierScope verifier;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    EXPECT_EQ(old, PASSIVE_LEVEL);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    EXPECT_EQ(KeRaiseIrqlToDpcLevel(), DISPATCH_LEVEL);
    KeLowerIrql(old);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(Irql, RaisingToALowerLevelIsReportedAndIgnored) {
    VerifierScope verifier;
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    EXPECT_EQ(KfRaiseIrql(APC_LEVEL), DISPATCH_LEVEL);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    EXPECT_EQ(verifier::count(verifier::Rule::BadCall), 1u);
    KeLowerIrql(old);
}

TEST(Irql, LoweringToAHigherLevelIsReportedAndIgnored) {
    VerifierScope verifier;
    KeLowerIrql(DISPATCH_LEVEL);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_EQ(verifier::count(verifier::Rule::BadCall), 1u);
}

TEST(Irql, IrqlAtMostReportsOnlyAboveTheMaximum) {
    VerifierScope verifier;
    EXPECT_TRUE(irql_at_most(PASSIVE_LEVEL, "Test"));
    IrqlRaise raise(DISPATCH_LEVEL);
    EXPECT_TRUE(irql_at_most(DISPATCH_LEVEL, "Test"));
    EXPECT_FALSE(irql_at_most(APC_LEVEL, "Test"));
    EXPECT_EQ(verifier::count(verifier::Rule::IrqlTooHigh), 1u);
}

}  // namespace
}  // namespace strata::ntos
